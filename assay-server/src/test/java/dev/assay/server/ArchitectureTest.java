package dev.assay.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
      "..server.audit..", "..server.auth..", "..server.events..", "..server.analysis..", "..server.safety.."};

  @ArchTest
  static final ArchRule storeDependsOnNoOtherServerPackage = noClasses().that().resideInAPackage("..server.store..")
      .should().dependOnClassesThat().resideInAnyPackage("..server.api..", "..server.domain..", "..server.delivery..",
          "..server.audit..", "..server.auth..", "..server.events..", "..server.analysis..", "..server.safety..",
          "..server.ui..")
      .because("the store is the bottom layer: it keeps documents and knows no domain rule");

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
}
