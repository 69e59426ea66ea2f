package dev.muster.control;

import java.util.List;
import java.util.Objects;

/**
 * What an agent is: a type registered with every node's agent runtime ({@code command} runs an
 * OS process, any other name a Java {@code Agent} class), the service its node must offer, and
 * its arguments. Each agent takes one of its node's {@code max-agents} slots.
 *
 * @param type the registered type: 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'
 * @param service the service its node must offer, or null for any node
 * @param args the arguments: at most {@value #MAX_ARGS}, {@value #MAX_ARGS_CHARS} characters in all
 */
public record AgentSpec(String type, String service, List<String> args) {

    /** The most arguments an agent takes. */
    public static final int MAX_ARGS = 64;
    /** The most characters of all arguments together. */
    public static final int MAX_ARGS_CHARS = 8192;

    public AgentSpec {
        Names.check("agent type", type);
        if (service != null) {
            Names.check("service", service);
        }
        args = List.copyOf(Objects.requireNonNull(args, "args"));
        if (args.size() > MAX_ARGS) {
            throw new IllegalArgumentException("agent args has " + args.size() + " entries; at most " + MAX_ARGS);
        }
        int chars = args.stream().mapToInt(String::length).sum();
        if (chars > MAX_ARGS_CHARS) {
            throw new IllegalArgumentException("agent args hold " + chars + " characters; at most " + MAX_ARGS_CHARS);
        }
    }

    /** An agent of {@code type} with no service and no arguments. */
    public static AgentSpec of(String type, String... args) {
        return new AgentSpec(type, null, List.of(args));
    }

    /** This spec, for nodes offering {@code service}. */
    public AgentSpec onService(String service) {
        return new AgentSpec(type, service, args);
    }
}
