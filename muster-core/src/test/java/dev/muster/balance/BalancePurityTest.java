package dev.muster.balance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Balancers are pure: no I/O, no clocks, no randomness of their own. */
class BalancePurityTest {

    private static final JavaClasses BALANCE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.muster.balance");

    @Test
    void noIoClocksOrOwnRandomness() {
        noClasses().that().resideInAPackage("dev.muster.balance..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.io..", "java.nio..", "io.netty..")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callConstructor(java.util.Random.class)
                .orShould().callConstructor(java.util.SplittableRandom.class)
                .orShould().dependOnClassesThat().belongToAnyOf(java.util.concurrent.ThreadLocalRandom.class)
                .because("a balancer is a function of the table and the caller's random generator")
                .check(BALANCE);
    }
}
