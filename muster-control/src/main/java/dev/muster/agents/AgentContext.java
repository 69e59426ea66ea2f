package dev.muster.agents;

import dev.muster.control.AgentSpec;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What an agent gets when it starts.
 *
 * @param id the agent's name in the cluster
 * @param spec its type, service and arguments
 * @param node the name of the node it runs on
 * @param restored the state a migration handed over, or empty
 * @param workDir a directory of its own on this node (created), for files and logs
 * @param ended call with the reason when the agent ends by itself (a process that exited); the
 *     runtime reports it failed
 */
public record AgentContext(String id, AgentSpec spec, String node, byte[] restored, Path workDir,
                           Consumer<String> ended) {}
