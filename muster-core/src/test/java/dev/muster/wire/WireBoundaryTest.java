package dev.muster.wire;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The codec's public surface is {@link WireCodec}, {@link WireException} and
 * {@link DecodedPacket}. The generated protobuf classes must be public (protoc makes them so) but
 * are an implementation detail: only this package may touch them, so the schema can change without
 * touching a caller.
 */
class WireBoundaryTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.muster");

    @Test
    void onlyTheCodecUsesTheGeneratedProtobufClasses() {
        noClasses().that().resideOutsideOfPackages("dev.muster.wire", "dev.muster.wire.proto")
                .should().dependOnClassesThat().resideInAPackage("dev.muster.wire.proto")
                .because("the protobuf schema is internal to the wire codec")
                .check(MAIN);
    }

    @Test
    void theMembershipCoreDoesNotKnowTheCodec() {
        noClasses().that().resideInAPackage("dev.muster.membership..")
                .should().dependOnClassesThat().resideInAPackage("dev.muster.wire..")
                .because("the core accounts sizes with WireSize; the codec depends on the core, not the reverse")
                .check(MAIN);
    }

    @Test
    void thePublicSurfaceIsTheCodecItsExceptionAndItsResult() {
        assertThat(MAIN.stream().filter(c -> c.getPackageName().equals("dev.muster.wire"))
                .filter(JavaClass::isTopLevelClass).filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC))
                .map(JavaClass::getSimpleName))
                .as("public top-level classes of dev.muster.wire; keep helpers package-private")
                .containsExactlyInAnyOrder("WireCodec", "WireException", "DecodedPacket");
    }
}
