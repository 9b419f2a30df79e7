package dev.assay.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import java.util.Set;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules of the architecture (docs/architecture.md), checked on the compiled bytecode,
 * so a fully qualified name or a reflective-free lambda cannot slip past them the way it could
 * past a scan of import lines.
 */
@AnalyzeClasses(packages = "dev.assay", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] NOT_HTTP = {"..server.store..", "..server.domain..", "..server.delivery..",
      "..server.audit..", "..server.auth..", "..server.events..", "..server.analysis..", "..server.safety..",
      "..server.ascode..", "..server.alerts..", "..server.approvals..", "..server.privacy..", "..server.telemetry.."};

  @ArchTest
  static final ArchRule storeDependsOnNoOtherServerPackage = noClasses().that().resideInAPackage("..server.store..")
      .should().dependOnClassesThat().resideInAnyPackage("..server.api..", "..server.domain..", "..server.delivery..",
          "..server.audit..", "..server.auth..", "..server.events..", "..server.analysis..", "..server.safety..",
          "..server.alerts..", "..server.ui..", "..server.approvals..", "..server.privacy..")
      .because("the store is the bottom layer: it keeps documents and knows no domain rule");

  @ArchTest
  static final ArchRule telemetryDependsOnNoOtherServerPackage = noClasses().that()
      .resideInAPackage("..server.telemetry..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.assay.server", "..server.api..", "..server.domain..",
          "..server.delivery..", "..server.audit..", "..server.auth..", "..server.events..", "..server.analysis..",
          "..server.safety..", "..server.alerts..", "..server.ui..", "..server.approvals..", "..server.store..",
          "..server.ascode..")
      .because("every package may trace and log through it (ADR 0041), so it must not need any of them");

  @ArchTest
  static final ArchRule onlyApiAndUiKnowHttp = noClasses().that().resideInAnyPackage(NOT_HTTP)
      .should().dependOnClassesThat().resideInAnyPackage("io.helidon.webserver..", "io.helidon.http..")
      .because("HTTP is decided at the edge (api, ui); the services below are usable without a server");

  @ArchTest
  static final ArchRule nothingBelowTheEdgeDependsOnApi = noClasses().that().resideInAnyPackage(NOT_HTTP)
      .should().dependOnClassesThat().resideInAPackage("..server.api..")
      .because("api calls the services, never the other way round");

  @ArchTest
  static final ArchRule nothingDependsOnUi = noClasses().that().resideOutsideOfPackage("..server.ui..")
      .and().doNotHaveSimpleName("AssayServer").and().doNotHaveSimpleName("ServerWiring")
      .should().dependOnClassesThat().resideInAPackage("..server.ui..")
      .allowEmptyShould(true)
      .because("the UI is a client of the same services as the API");

  @ArchTest
  static final ArchRule statsAndSdkDoNotKnowTheServer = noClasses().that().resideInAnyPackage("dev.assay.sdk..",
          "dev.assay.stats..")
      .should().dependOnClassesThat().resideInAPackage("dev.assay.server..")
      .because("the libraries are below the server (cli → server → sdk, stats)");

  /* Reads of a JSON object's field by name (or path): get("x"), path("x"), has("x"), at("/x"), … */
  private static final Set<String> FIELD_READS = Set.of("get", "path", "has", "hasNonNull", "at", "findValue",
      "findValues", "findValuesAsText", "findPath", "findParent", "findParents", "required", "requiredAt");

  private static final DescribedPredicate<JavaMethodCall> READS_A_JSON_FIELD_BY_NAME =
      DescribedPredicate.describe("read a JSON field by name (JsonNode.get/path/has/at/… with a String)", call ->
          call.getTargetOwner().isAssignableTo(JsonNode.class) && FIELD_READS.contains(call.getName())
              && call.getTarget().getRawParameterTypes().size() == 1
              && (call.getTarget().getRawParameterTypes().get(0).isEquivalentTo(String.class)
                  || call.getTarget().getRawParameterTypes().get(0).isEquivalentTo(JsonPointer.class)));

  /**
   * Entities travel as records (domain.model) between the edges; a field read by name with a
   * forgiving default turns a safety check off silently when the field is renamed. JSON is read
   * by name only at the edges — the HTTP edge (api, ui), the store, the two mappers (ModelJson for
   * configuration, SnapshotJson for results, with HoldoutJson and DesignResultsJson for its parts, and LineageJson for their lineage), request parsing (Json) — and where the JSON is not
   * an entity of ours: ingested events and their wire format (events), the compiled SDK payload
   * (PayloadEvaluators, PayloadEncryption), DuckDB's parse tree of a metric's SQL (MetricSql), the
   * audit anchor's file (AuditAnchor), the operator's warehouse mapping file (WarehouseMapping), and the as-code file format (ascode), an edge of its own: files
   * in, files out, mapped to and from the records in one place (FileFormat).
   */
  @ArchTest
  static final ArchRule entityFieldsAreReadFromRecords = noClasses()
      .that().resideOutsideOfPackages("..server.api..", "..server.ui..", "..server.store..", "..server.events..",
          "..server.ascode..")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.domain.model.ModelJson")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.analysis.SnapshotJson")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.analysis.HoldoutJson")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.analysis.DesignResultsJson")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.analysis.LineageJson")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.domain.Json")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.domain.MetricSql")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.delivery.PayloadEvaluators")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.delivery.PayloadEncryption")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.audit.AuditAnchor")
      .and().doNotHaveFullyQualifiedName("dev.assay.server.analysis.WarehouseMapping")
      .and().resideInAPackage("dev.assay.server..")
      .should().callMethodWhere(READS_A_JSON_FIELD_BY_NAME)
      .because("entities are typed records between the edges (docs/architecture.md: the domain model)");
}
