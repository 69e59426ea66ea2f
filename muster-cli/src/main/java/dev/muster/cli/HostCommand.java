package dev.muster.cli;

import dev.muster.local.EmbeddedHost;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code muster host --dir DIR}: the JVM of an embedded-mode local cluster; 'muster start --mode embedded' runs it. */
@Command(name = "host", hidden = true, description = "Run the nodes of an embedded local cluster (started by 'muster start').")
final class HostCommand implements Callable<Integer> {

    @Option(names = "--dir", required = true, description = "The cluster directory.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        java.util.logging.Logger.getLogger("io.helidon").setLevel(java.util.logging.Level.WARNING);
        new EmbeddedHost(dir.toAbsolutePath().normalize()).run();
        return 0;
    }
}
