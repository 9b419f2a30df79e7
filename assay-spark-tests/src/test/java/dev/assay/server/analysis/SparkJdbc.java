package dev.assay.server.analysis;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A JDBC connection to a local Spark, just wide enough for the analysis's queries: a prepared
 * statement runs {@code spark.sql(text)} and reads the rows into a result set. It refuses bound
 * parameters, so a test through it proves the Spark dialect binds none (its values are literals
 * in the text). Everything else it is asked is an {@link UnsupportedOperationException}, so a
 * query path that needs more shows up as a failure, not a silent default.
 */
final class SparkJdbc {
  private SparkJdbc() {}

  static Connection connect(SparkSession spark) {
    return proxy(Connection.class, (p, m, a) -> switch (m.getName()) {
      case "prepareStatement" -> statement(spark, (String) a[0]);
      case "close", "setAutoCommit", "setReadOnly", "rollback" -> null;
      case "getAutoCommit", "isReadOnly" -> true;
      case "isClosed" -> false;
      default -> throw new UnsupportedOperationException("Connection." + m.getName());
    });
  }

  private static PreparedStatement statement(SparkSession spark, String sql) {
    return proxy(PreparedStatement.class, (p, m, a) -> switch (m.getName()) {
      case "executeQuery" -> {
        org.apache.spark.sql.Dataset<Row> result = spark.sql(sql);
        yield rows(result.schema(), result.collectAsList());
      }
      case "setQueryTimeout", "closeOnCompletion", "close" -> null;
      case "cancel" -> {
        spark.sparkContext().cancelAllJobs();
        yield null;
      }
      case "setObject", "setString", "setLong", "setDouble" -> throw new UnsupportedOperationException(
          "a bound parameter (" + m.getName() + "): the Spark dialect must write its values into the text");
      default -> throw new UnsupportedOperationException("PreparedStatement." + m.getName());
    });
  }

  private static ResultSet rows(StructType schema, List<Row> rows) {
    ResultSetMetaData md = proxy(ResultSetMetaData.class, (p, m, a) -> switch (m.getName()) {
      case "getColumnCount" -> schema.fields().length;
      case "getColumnLabel", "getColumnName" -> schema.fields()[(Integer) a[0] - 1].name();
      default -> throw new UnsupportedOperationException("ResultSetMetaData." + m.getName());
    });
    int[] cursor = {-1};
    return proxy(ResultSet.class, (p, m, a) -> switch (m.getName()) {
      case "next" -> ++cursor[0] < rows.size();
      case "getObject" -> rows.get(cursor[0]).get((Integer) a[0] - 1);
      case "getMetaData" -> md;
      case "close" -> null;
      default -> throw new UnsupportedOperationException("ResultSet." + m.getName());
    });
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, InvocationHandler h) {
    return (T) Proxy.newProxyInstance(SparkJdbc.class.getClassLoader(), new Class<?>[] {type}, h);
  }
}
