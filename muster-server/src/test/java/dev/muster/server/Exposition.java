package dev.muster.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed Prometheus text exposition (format 0.0.4), strict enough to fail a test: every sample
 * must belong to a family announced by a {@code # TYPE} line before it (the family's name, or for
 * counters, histograms and summaries the name with its suffix), each family is typed once, label
 * values are quoted and escaped, and every value is a number.
 */
final class Exposition {

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private Exposition() {}

    /** @throws AssertionError naming the line that breaks the format */
    static Exposition parse(String text) {
        Exposition e = new Exposition();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                e.line(line);
            } catch (RuntimeException bad) {
                throw new AssertionError("line " + n + " '" + line + "': " + bad.getMessage(), bad);
            }
        }
        if (e.samples.isEmpty()) {
            throw new AssertionError("no samples in:\n" + text);
        }
        return e;
    }

    private void line(String line) {
        if (line.startsWith("# TYPE ")) {
            String[] p = line.substring(7).split(" ");
            if (p.length != 2 || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[1])) {
                throw new IllegalArgumentException("a TYPE line is '# TYPE name type'");
            }
            if (types.put(p[0], p[1]) != null) {
                throw new IllegalArgumentException("family " + p[0] + " is typed twice");
            }
            return;
        }
        if (line.startsWith("#")) {
            if (!line.startsWith("# HELP ")) {
                throw new IllegalArgumentException("a comment other than HELP or TYPE");
            }
            return;
        }
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
        }
        String[] rest = line.substring(i).strip().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("a sample is 'name{labels} value [timestamp]'");
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        if (family(name).isEmpty()) {
            throw new IllegalArgumentException("sample " + name + " has no # TYPE line before it");
        }
        samples.add(new Sample(name, labels, value));
    }

    /** Reads {@code k="v",...}} from {@code i}; returns the index after the closing brace. */
    private static int labels(String line, int i, Map<String, String> into) {
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq);
            if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("bad label at " + i);
            }
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            for (; line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = line.charAt(++j);
                    v.append(next == 'n' ? '\n' : next);
                } else {
                    v.append(c);
                }
            }
            if (into.put(key, v.toString()) != null) {
                throw new IllegalArgumentException("label " + key + " twice");
            }
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    /** The typed family a sample of that name belongs to. */
    private Optional<String> family(String sample) {
        if (types.containsKey(sample)) {
            return Optional.of(sample);
        }
        for (String suffix : List.of("_total", "_created", "_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                boolean fits = switch (suffix) {
                    case "_total" -> "counter".equals(type);
                    case "_bucket" -> "histogram".equals(type);
                    default -> type != null && !type.equals("gauge");
                };
                if (fits) {
                    return Optional.of(base);
                }
            }
        }
        return Optional.empty();
    }

    /** The family names and their types. */
    Map<String, String> types() {
        return types;
    }

    /** The samples of that name whose labels include {@code labels} (pairs of name and value). */
    List<Sample> samples(String name, String... labels) {
        Map<String, String> want = new HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(want.entrySet())).toList();
    }

    /**
     * The value of the one sample of that name with those labels.
     *
     * @throws AssertionError when there is none or more than one
     */
    double value(String name, String... labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labels) + ": " + found);
        }
        return found.getFirst().value();
    }
}
