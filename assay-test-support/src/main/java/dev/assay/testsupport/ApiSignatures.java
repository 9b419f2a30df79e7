package dev.assay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a module as text: every public type (and every protected nested type) that a
 * user can reach, with its public and protected constructors, methods and fields and their
 * generic signatures, top-level {@code @Nullable} and {@code @Deprecated} marks. Read by JDK
 * reflection from the module's compiled classes (no bytecode parsing of our own), one line per
 * type and one indented line per member, sorted, so that the text is stable and a diff of it reads
 * as a list of API changes (ADR 0021).
 */
public final class ApiSignatures {
  private static final int MEMBER_MODIFIERS =
      Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL | Modifier.ABSTRACT;

  private ApiSignatures() {}

  /**
   * The API of the classes in {@code classesDir} (a module's {@code target/classes}), loaded
   * without initialising them through {@code loader}. Keys are type names, values the type's
   * lines: its declaration first, then its members.
   */
  public static TreeMap<String, List<String>> of(Path classesDir, ClassLoader loader) {
    TreeMap<String, List<String>> api = new TreeMap<>();
    for (String name : classNames(classesDir)) {
      Class<?> c;
      try {
        c = Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalStateException("cannot load " + name + " from " + classesDir + ": " + e, e);
      }
      if (reachable(c)) {
        List<String> lines = new ArrayList<>();
        lines.add(declaration(c));
        lines.addAll(members(c));
        api.put(c.getTypeName(), lines);
      }
    }
    return api;
  }

  /** The API as the text of an {@code .api} file (without its comment header). */
  public static String render(TreeMap<String, List<String>> api) {
    StringBuilder out = new StringBuilder();
    api.values().forEach(lines -> {
      out.append(lines.get(0)).append('\n');
      lines.subList(1, lines.size()).forEach(m -> out.append("  ").append(m).append('\n'));
    });
    return out.toString();
  }

  private static List<String> classNames(Path classesDir) {
    try (Stream<Path> files = Files.walk(classesDir)) {
      return files.map(p -> classesDir.relativize(p).toString().replace('\\', '/'))
          .filter(f -> f.endsWith(".class") && !f.endsWith("module-info.class")
              && !f.endsWith("package-info.class"))
          .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the classes in " + classesDir, e);
    }
  }

  /** A type a user can name: public (or protected and nested), and so is every enclosing type. */
  private static boolean reachable(Class<?> c) {
    if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
      return false;
    }
    Class<?> outer = c.getDeclaringClass();
    if (outer == null) {
      return Modifier.isPublic(c.getModifiers());
    }
    boolean visible = Modifier.isPublic(c.getModifiers())
        || Modifier.isProtected(c.getModifiers()) && !Modifier.isFinal(outer.getModifiers());
    return visible && reachable(outer);
  }

  private static String declaration(Class<?> c) {
    String kind = c.isAnnotation() ? "@interface" : c.isInterface() ? "interface" : c.isEnum() ? "enum"
        : c.isRecord() ? "record" : "class";
    int mods = c.getModifiers() & MEMBER_MODIFIERS;
    if (c.isInterface()) {
      mods &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    }
    if (c.isEnum() || c.isRecord()) {
      mods &= ~(Modifier.FINAL | Modifier.STATIC);
    }
    StringBuilder s = new StringBuilder(deprecated(c)).append(prefix(mods)).append(kind).append(' ')
        .append(c.getTypeName()).append(typeParameters(c.getTypeParameters()));
    Type superclass = c.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !c.isEnum() && !c.isRecord()) {
      s.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = c.getGenericInterfaces();
    if (interfaces.length > 0) {
      s.append(c.isInterface() ? " extends " : " implements ")
          .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
    }
    return s.toString();
  }

  private static List<String> members(Class<?> c) {
    List<String> out = new ArrayList<>();
    boolean subclassable = !Modifier.isFinal(c.getModifiers()) && !c.isEnum() && !c.isRecord();
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (visible(k, subclassable) && !c.isEnum()) {
        out.add(deprecated(k) + prefix(k.getModifiers() & MEMBER_MODIFIERS) + c.getSimpleName()
            + parameters(k));
      }
    }
    for (Method m : c.getDeclaredMethods()) {
      if (visible(m, subclassable) && !m.isBridge()) {
        int mods = m.getModifiers() & MEMBER_MODIFIERS;
        if (c.isInterface()) {
          mods &= ~Modifier.ABSTRACT;
        }
        out.add(deprecated(m) + prefix(mods) + (m.isDefault() ? "default " : "")
            + typeParameters(m.getTypeParameters()) + (m.getTypeParameters().length > 0 ? " " : "")
            + nullable(m.getAnnotatedReturnType()) + m.getGenericReturnType().getTypeName() + " "
            + m.getName() + parameters(m));
      }
    }
    for (Field f : c.getDeclaredFields()) {
      if (visible(f, subclassable)) {
        out.add(deprecated(f) + prefix(f.getModifiers() & MEMBER_MODIFIERS) + nullable(f.getAnnotatedType())
            + f.getGenericType().getTypeName() + " " + f.getName());
      }
    }
    out.sort(null);
    return out;
  }

  private static boolean visible(Member m, boolean subclassable) {
    return !m.isSynthetic()
        && (Modifier.isPublic(m.getModifiers()) || subclassable && Modifier.isProtected(m.getModifiers()));
  }

  private static String parameters(Executable e) {
    Type[] types = e.getGenericParameterTypes();
    AnnotatedType[] annotated = e.getAnnotatedParameterTypes();
    List<String> params = new ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      String t = types[i].getTypeName();
      if (e.isVarArgs() && i == types.length - 1 && t.endsWith("[]")) {
        t = t.substring(0, t.length() - 2) + "...";
      }
      params.add((i < annotated.length ? nullable(annotated[i]) : "") + t);
    }
    String throwsClause = e.getGenericExceptionTypes().length == 0 ? ""
        : " throws " + Arrays.stream(e.getGenericExceptionTypes()).map(Type::getTypeName)
            .collect(Collectors.joining(", "));
    return "(" + String.join(", ", params) + ")" + throwsClause;
  }

  private static String typeParameters(TypeVariable<?>[] vars) {
    if (vars.length == 0) {
      return "";
    }
    return Arrays.stream(vars).map(v -> {
      String bounds = Arrays.stream(v.getBounds()).filter(b -> b != Object.class).map(Type::getTypeName)
          .collect(Collectors.joining(" & "));
      return bounds.isEmpty() ? v.getName() : v.getName() + " extends " + bounds;
    }).collect(Collectors.joining(", ", "<", ">"));
  }

  /** "@Nullable " when the type carries a (JSpecify or other) annotation named Nullable. */
  private static String nullable(AnnotatedType type) {
    return Arrays.stream(type.getAnnotations())
        .anyMatch(a -> a.annotationType().getSimpleName().equals("Nullable")) ? "@Nullable " : "";
  }

  private static String deprecated(AnnotatedElement e) {
    return e.isAnnotationPresent(Deprecated.class) ? "@Deprecated " : "";
  }

  private static String prefix(int modifiers) {
    String s = Modifier.toString(modifiers);
    return s.isEmpty() ? "" : s + " ";
  }
}
