package dev.muster.control;

import java.util.regex.Pattern;

/** The rule for node and agent names in mutations: the same as node names in ClusterConfig. */
final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private Names() {}

    static String check(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name
                    + "' must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
        }
        return name;
    }
}
