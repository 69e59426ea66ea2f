package dev.muster.membership;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The membership core is a pure state machine: no sockets, threads, clocks or unseeded
 * randomness (ARCHITECTURE.md). These rules fail the build when someone adds one.
 */
class PurityTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.muster.membership");

    @Test
    void noNetworkingOrIo() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.muster.membership..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.nio.channels..", "java.io..",
                        "io.netty..")
                .because("the membership core talks only through its Outbox");
        rule.check(CORE);
    }

    @Test
    void noThreadsOrExecutors() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.muster.membership..")
                .should().dependOnClassesThat().resideInAnyPackage("java.util.concurrent..")
                .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
                .orShould().dependOnClassesThat().areAssignableTo(java.util.Timer.class)
                .because("the driver owns the one thread that runs the core");
        rule.check(CORE);
    }

    @Test
    void noClocks() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.muster.membership..")
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().dependOnClassesThat().resideInAnyPackage("java.time.chrono..")
                .orShould().dependOnClassesThat().belongToAnyOf(java.time.Clock.class, java.time.Instant.class,
                        java.time.LocalDateTime.class, java.time.ZonedDateTime.class)
                .because("time is passed in by the caller (a virtual clock in the simulator)");
        rule.check(CORE);
    }

    @Test
    void noUnseededRandomness() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.muster.membership..")
                .should().callConstructor(java.util.Random.class)
                .orShould().callConstructor(java.util.SplittableRandom.class)
                .orShould().dependOnClassesThat().belongToAnyOf(java.util.concurrent.ThreadLocalRandom.class,
                        java.security.SecureRandom.class)
                .orShould().callMethod(Math.class, "random")
                .orShould().callMethod(java.util.UUID.class, "randomUUID")
                .orShould().callMethod(java.util.random.RandomGenerator.class, "getDefault")
                .because("randomness comes from the RandomGenerator the caller seeds");
        rule.check(CORE);
    }
}
