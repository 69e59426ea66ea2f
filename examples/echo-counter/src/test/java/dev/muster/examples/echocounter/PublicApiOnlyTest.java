package dev.muster.examples.echocounter;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The example is what a user can write: it uses Muster's public API and the JDK, nothing else. */
class PublicApiOnlyTest {

    @Test
    void theExampleUsesOnlyThePublicApiAndTheJdk() {
        JavaClasses example = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.muster.examples.echocounter");
        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.muster", "dev.muster.services", "dev.muster.examples.echocounter", "java..")
                .because("the example shows the public API: dev.muster and dev.muster.services")
                .check(example);
    }
}
