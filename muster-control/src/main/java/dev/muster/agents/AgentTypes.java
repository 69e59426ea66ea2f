package dev.muster.agents;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The agent types a node can run, by name. Every node starts with two: {@code command} runs an OS
 * process (its arguments are the command line) and {@code counter} counts seconds and carries
 * its count across migrations (a demonstration and test workload). Immutable.
 */
public final class AgentTypes {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final Map<String, Supplier<? extends Agent>> types;

    private AgentTypes(Map<String, Supplier<? extends Agent>> types) {
        this.types = java.util.Collections.unmodifiableMap(new TreeMap<>(types));
    }

    /** The built-in types. */
    public static AgentTypes builtIn() {
        Map<String, Supplier<? extends Agent>> m = new TreeMap<>();
        m.put(CommandAgent.TYPE, CommandAgent::new);
        m.put(CounterAgent.TYPE, CounterAgent::new);
        return new AgentTypes(m);
    }

    /**
     * These types and one more.
     *
     * @throws IllegalArgumentException when the name breaks the rule or is taken
     */
    public AgentTypes with(String name, Supplier<? extends Agent> factory) {
        Objects.requireNonNull(factory, "factory");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("agent type name '" + name
                    + "' must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        if (types.containsKey(name)) {
            throw new IllegalArgumentException("agent type '" + name + "' is registered already");
        }
        Map<String, Supplier<? extends Agent>> m = new TreeMap<>(types);
        m.put(name, factory);
        return new AgentTypes(m);
    }

    /**
     * These types and a Java class by its name, made through its public no-argument constructor.
     *
     * @throws IllegalArgumentException when the class is missing, is no {@link Agent}, or cannot be made
     */
    public AgentTypes withClass(String name, String className) {
        Class<?> c;
        try {
            c = Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("agent type " + name + ": no class " + className + " on the class path");
        }
        if (!Agent.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("agent type " + name + ": " + className + " does not implement "
                    + Agent.class.getName());
        }
        java.lang.reflect.Constructor<?> ctor;
        try {
            ctor = c.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("agent type " + name + ": " + className
                    + " has no public no-argument constructor");
        }
        return with(name, () -> {
            try {
                return (Agent) ctor.newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make a " + className + ": " + e, e);
            }
        });
    }

    /** A new agent of that type. */
    Optional<Agent> create(String type) {
        Supplier<? extends Agent> f = types.get(type);
        return f == null ? Optional.empty() : Optional.of(f.get());
    }

    /** The registered names, sorted. */
    public java.util.Set<String> names() {
        return types.keySet();
    }
}
