package dev.muster.cli;

import dev.muster.Cluster;
import dev.muster.services.ServiceHandler;
import dev.muster.services.Services;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * One {@code muster serve --service NAME=CLASS}: a {@link ServiceHandler} class on the class path,
 * registered under NAME once the node has joined. Checked when parsed (the name's rule, that the
 * class loads, implements the interface and has a constructor to make it with), so a bad one
 * stops {@code serve} before it joins; made with {@link #create} once the node runs.
 *
 * <p>The class needs a public constructor taking the node ({@code (dev.muster.Cluster)}, preferred:
 * the handler learns its node's name, or calls other services) or none.
 *
 * @param name the service name
 * @param className the handler class's binary name
 */
record ServiceOption(String name, String className) {

    /**
     * The rule of {@link Services#register}, checked here before the node starts (the core
     * exposes no validator; register would refuse the name only after the join).
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + Services.MAX_NAME_LENGTH + "}");

    static final String RULE = "must be NAME=CLASS: NAME 1 to " + Services.MAX_NAME_LENGTH
            + " characters of A-Z, a-z, 0-9, '.', '_' and '-', CLASS a class on the class path implementing "
            + ServiceHandler.class.getName() + " with a public constructor taking a " + Cluster.class.getName()
            + " or none";

    /** Parses and checks {@code NAME=CLASS}; every problem is a picocli type error naming the value and the rule. */
    static final class Converter implements CommandLine.ITypeConverter<ServiceOption> {
        @Override
        public ServiceOption convert(String value) {
            return NameClassOption.parse(value, RULE, (name, className) -> {
                ServiceOption s = new ServiceOption(checkName("service name", name), className);
                s.constructor();
                return s;
            });
        }
    }

    /**
     * Checks a service name by the rule of {@link Services#register}.
     *
     * @param what how the error names the value ("SERVICE", "service name")
     * @throws IllegalArgumentException naming it, the value and the rule
     */
    static String checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name + "' must be 1 to " + Services.MAX_NAME_LENGTH
                    + " characters of A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        return name;
    }

    /**
     * The constructor {@link #create} uses: {@code (Cluster)} when there is one, else {@code ()}.
     *
     * @throws IllegalArgumentException when the class is missing, is no handler, or has neither
     */
    Constructor<? extends ServiceHandler> constructor() {
        Class<?> c;
        try {
            c = Class.forName(className);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("service " + name + ": no class " + className + " on the class path"
                    + (e instanceof LinkageError ? " (" + e + ")" : ""));
        }
        if (!ServiceHandler.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("service " + name + ": " + className + " does not implement "
                    + ServiceHandler.class.getName());
        }
        if (c.isInterface() || java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException("service " + name + ": " + className + " is abstract; name a class"
                    + " that can be made");
        }
        Class<? extends ServiceHandler> handler = c.asSubclass(ServiceHandler.class);
        try {
            return handler.getConstructor(Cluster.class);
        } catch (NoSuchMethodException withoutNode) {
            try {
                return handler.getConstructor();
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException("service " + name + ": " + className
                        + " has no public constructor taking a " + Cluster.class.getName() + " or none");
            }
        }
    }

    /**
     * A new handler for {@code node}.
     *
     * @throws IllegalStateException when its constructor fails, with the cause
     */
    ServiceHandler create(Cluster node) {
        Constructor<? extends ServiceHandler> ctor = constructor();
        try {
            return ctor.getParameterCount() == 1 ? ctor.newInstance(node) : ctor.newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("service " + name + ": " + className + "'s constructor threw "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("service " + name + ": cannot make a " + className + ": " + e, e);
        }
    }
}
