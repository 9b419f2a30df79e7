package dev.assay.server.analysis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows one warehouse query returned, read in full (the analysis queries return a few rows
 * per variation: sufficient statistics, not events), with a cursor read the way a JDBC result set
 * is. Keeping the values lets a refresh record what each query answered ({@link QueryLog}) and a
 * reproduction compare it. A SQL NULL reads as 0 from the number getters, as in JDBC. Not
 * thread-safe (one reader).
 */
final class QueryRows {
  private final List<String> labels;
  private final List<Object[]> rows;
  private int cursor = -1;

  private QueryRows(List<String> labels, List<Object[]> rows) {
    this.labels = List.copyOf(labels);
    this.rows = rows;
  }

  /** Reads every row of {@code rs} (and closes it). Numbers stay as the driver returned them. */
  static QueryRows read(ResultSet rs) throws SQLException {
    try (rs) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> labels = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        labels.add(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
      }
      List<Object[]> rows = new ArrayList<>();
      while (rs.next()) {
        Object[] row = new Object[labels.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] = normalise(rs.getObject(i + 1));
        }
        rows.add(row);
      }
      return new QueryRows(labels, rows);
    }
  }

  /* Numbers as Long, BigInteger, Double or BigDecimal; text as String; anything else as its text. */
  private static Object normalise(Object v) {
    if (v == null || v instanceof Long || v instanceof Double || v instanceof BigInteger || v instanceof BigDecimal
        || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    return v.toString();
  }

  /** The column labels, lower case, in order. */
  List<String> labels() {
    return labels;
  }

  /** The rows, each its values in column order. */
  List<Object[]> rows() {
    return java.util.Collections.unmodifiableList(rows);
  }

  boolean next() {
    cursor++;
    return cursor < rows.size();
  }

  int getInt(int column) {
    return (int) getLong(column);
  }

  int getInt(String label) {
    return getInt(index(label));
  }

  long getLong(int column) {
    Object v = value(column);
    return v == null ? 0 : ((Number) v).longValue();
  }

  long getLong(String label) {
    return getLong(index(label));
  }

  double getDouble(String label) {
    Object v = value(index(label));
    return v == null ? 0 : ((Number) v).doubleValue();
  }

  String getString(String label) {
    Object v = value(index(label));
    return v == null ? null : v.toString();
  }

  private Object value(int column) {
    if (cursor < 0 || cursor >= rows.size()) {
      throw new IllegalStateException("no current row");
    }
    return rows.get(cursor)[column - 1];
  }

  private int index(String label) {
    int i = labels.indexOf(label.toLowerCase(Locale.ROOT));
    if (i < 0) {
      throw new IllegalStateException("the query has no column " + label + " (has " + labels + ")");
    }
    return i + 1;
  }
}
