package dev.muster;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.muster.membership.MembershipConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Reads a {@link ClusterConfig} from a YAML or JSON file and from environment variables. Each
 * file key is mapped by hand to a builder setter (no reflection, no maps of objects), so the keys
 * below are the whole file format. Stateless and thread-safe.
 *
 * <pre>{@code
 * cluster: muster                # clusterName
 * node: node-1                   # nodeName
 * node-index: 1
 * cluster-size: 5
 * bind: 127.0.0.1
 * port: 7946
 * advertise: 10.0.0.5            # host, or host:port (sets the advertise port too)
 * http-port: 8151
 * seeds: [127.0.0.1:7946, "[::1]:7956"]   # or one comma-separated string
 * join-timeout: 60s
 * leave-timeout: 5s
 * metadata: {zone: a, rack: "7"}
 * discovery:
 *   dns: {name: muster.default.svc.cluster.local, srv: false, port: 7946}
 *   multicast: {enabled: false, group: 239.255.77.46, port: 7947}
 * membership:
 *   profile: lan                 # lan | local | wan, applied first, then the keys below
 *   probe-interval: 1s           # one kebab-case key per MembershipConfig component
 * faults: {enabled: false}
 * }</pre>
 *
 * <p>Durations need a unit ({@code 500ms}, {@code 1m30s}). A key with no value ({@code advertise:}
 * or {@code ~}) keeps the default. Numbers may be quoted. Unknown keys, duplicate keys and wrong
 * types are errors; all of a file's errors are reported together, each starting with the file.
 * Rules between values are checked later by {@link ClusterConfig.Builder#build()}, after the
 * environment and flags have had their say, except the membership section's, which is built here.
 */
public final class ClusterConfigLoader {

    /** Largest config file read: a real one is under a few KiB; anything bigger is the wrong file. */
    static final long MAX_FILE_BYTES = 1 << 20;

    /**
     * The file parsers, built on first use: a node without a config file (every node of a local
     * cluster) reads only the environment and its flags, and need not build the two mappers (YAML's
     * pulls in SnakeYAML) while it starts.
     */
    private static final class Mappers {
        static final ObjectMapper YAML = YAMLMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        static final ObjectMapper JSON = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    }

    private ClusterConfigLoader() {}

    /**
     * A builder holding the defaults overlaid with the settings of a {@code .yaml}, {@code .yml}
     * or {@code .json} file. Nothing is returned unless the whole file is good.
     *
     * @throws ConfigException naming the file: missing or unreadable, not valid YAML/JSON, unknown
     *     keys, wrong types, or a membership section that breaks a rule
     */
    public static ClusterConfig.Builder fromFile(Path file) {
        String source = file.toString();
        FileReader reader = new FileReader(source);
        reader.root(readTree(file, source));
        if (!reader.errors.isEmpty()) {
            throw new ConfigException(reader.errors);
        }
        return reader.builder;
    }

    /**
     * Parses a seed list: comma-separated {@code host:port}, {@code [v6]:port}, or a host alone,
     * which gets port 7946. Empty entries are skipped.
     *
     * @throws ConfigException naming each bad seed
     */
    public static List<Address> parseSeeds(String commaSeparated) {
        List<String> errors = new ArrayList<>();
        List<Address> seeds = parseSeeds("seeds", commaSeparated, errors, null);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return seeds;
    }

    private static JsonNode readTree(Path file, String source) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".json");
        if (!json && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
            throw problem(source + ": unknown file type; name the file .yaml, .yml or .json");
        }
        String format = json ? "JSON" : "YAML";
        try {
            if (Files.isDirectory(file)) {
                throw problem(source + ": is a directory, not a " + format + " file");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw problem(source + ": " + Files.size(file) + " bytes is too big for a config file (at most "
                        + MAX_FILE_BYTES + "); is it the right file?");
            }
            JsonNode root = (json ? Mappers.JSON : Mappers.YAML).readTree(file.toFile());
            return root == null || root.isMissingNode() || root.isNull() ? Mappers.JSON.createObjectNode() : root;
        } catch (NoSuchFileException e) {
            throw problem(source + ": no such file");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw problem(source + ": not valid " + format + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw problem(source + ": cannot be read: " + e);
        }
    }

    private static ConfigException problem(String message) {
        return new ConfigException(List.of(message));
    }

    /** Reads one file's tree into a fresh builder, collecting every error. */
    private static final class FileReader {
        final String source;
        final List<String> errors = new ArrayList<>();
        final ClusterConfig.Builder builder = ClusterConfig.builder();

        FileReader(String source) {
            this.source = source;
        }

        void root(JsonNode root) {
            ClusterConfig.Builder b = builder;
            Map<String, BiConsumer<String, JsonNode>> keys = new LinkedHashMap<>();
            keys.put("cluster", (k, v) -> text(k, v, b::clusterName));
            keys.put("node", (k, v) -> text(k, v, b::nodeName));
            keys.put("node-index", (k, v) -> whole(k, v, b::nodeIndex));
            keys.put("cluster-size", (k, v) -> whole(k, v, b::clusterSize));
            keys.put("bind", (k, v) -> text(k, v, b::bindHost));
            keys.put("port", (k, v) -> whole(k, v, b::port));
            keys.put("advertise", (k, v) -> text(k, v, s -> advertise(k, s)));
            keys.put("http-port", (k, v) -> whole(k, v, b::httpPort));
            keys.put("seeds", this::seeds);
            keys.put("join-timeout", (k, v) -> duration(k, v, b::joinTimeout));
            keys.put("leave-timeout", (k, v) -> duration(k, v, b::leaveTimeout));
            keys.put("metadata", this::metadata);
            keys.put("discovery", (k, v) -> section(k, v, Map.of(
                    "dns", (k2, v2) -> section(k2, v2, Map.of(
                            "name", (k3, v3) -> text(k3, v3, b::dnsName),
                            "srv", (k3, v3) -> flag(k3, v3, b::dnsSrv),
                            "port", (k3, v3) -> whole(k3, v3, b::dnsPort))),
                    "multicast", (k2, v2) -> section(k2, v2, Map.of(
                            "enabled", (k3, v3) -> flag(k3, v3, b::multicast),
                            "group", (k3, v3) -> text(k3, v3, b::multicastGroup),
                            "port", (k3, v3) -> whole(k3, v3, b::multicastPort))))));
            keys.put("membership", this::membership);
            keys.put("rpc", this::rpc);
            keys.put("content", this::content);
            keys.put("http", this::http);
            keys.put("faults", (k, v) -> section(k, v, Map.of("enabled", (k2, v2) -> flag(k2, v2, b::faultInjection))));
            section("", root, keys);
        }

        /** Reads a mapping whose keys must all be known; {@code prefix} is its dotted path. */
        void section(String prefix, JsonNode node, Map<String, BiConsumer<String, JsonNode>> keys) {
            if (prefix.isEmpty() && !node.isObject()) {
                error("the file must be a mapping of settings, not " + shown(node));
                return;
            }
            if (!isMapping(prefix, node, "settings")) {
                return;
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
                BiConsumer<String, JsonNode> reader = keys.get(field.getKey());
                if (reader == null) {
                    error("unknown setting '" + key + "'" + suggestion(prefix, field.getKey(), keys.keySet()));
                } else {
                    reader.accept(key, field.getValue());
                }
            }
        }

        void membership(String key, JsonNode node) {
            if (!isMapping(key, node, "settings")) {
                return;
            }
            int before = errors.size();
            // the profile is the base the other keys override, whatever their order in the file
            MembershipConfig base = MembershipConfig.lan();
            JsonNode profile = node.path("profile");
            if (!profile.isMissingNode() && !profile.isNull()) {
                try {
                    base = MembershipConfig.preset(profile.isTextual() ? profile.asText() : "");
                } catch (IllegalArgumentException unknown) {
                    error(key + ".profile: " + shown(profile) + " must be lan, local or wan");
                }
            }
            MembershipConfig.Builder mb = base.toBuilder();
            Map<String, BiConsumer<String, JsonNode>> keys = new LinkedHashMap<>();
            keys.put("profile", (k, v) -> { }); // read above
            MembershipKeys.SETTINGS.forEach((name, setting) -> keys.put(name, (k, v) -> {
                switch (setting) {
                    case MembershipKeys.DurationSetting d -> duration(k, v, x -> d.set().accept(mb, x));
                    case MembershipKeys.WholeSetting w -> whole(k, v, x -> w.set().accept(mb, x));
                    case MembershipKeys.FlagSetting f -> flag(k, v, x -> f.set().accept(mb, x));
                }
            }));
            section(key, node, keys);
            if (errors.size() == before) {
                try {
                    builder.membership(mb.build());
                } catch (IllegalArgumentException e) {
                    MembershipKeys.problems(e).forEach(this::error);
                }
            }
        }

        void rpc(String key, JsonNode node) {
            RpcConfig[] r = {RpcConfig.DEFAULTS};
            Map<String, BiConsumer<String, JsonNode>> keys = new LinkedHashMap<>();
            keys.put("max-message-bytes", (k, v) -> whole(k, v, x -> r[0] = r[0].withMaxMessageBytes(x)));
            keys.put("max-in-flight", (k, v) -> whole(k, v, x -> r[0] = r[0].withMaxInFlight(x)));
            keys.put("connections-per-node", (k, v) -> whole(k, v, x -> r[0] = r[0].withConnectionsPerNode(x)));
            keys.put("compression", (k, v) -> text(k, v, x -> {
                try {
                    r[0] = r[0].withCompression(RpcConfig.Compression.parse(x));
                } catch (IllegalArgumentException e) {
                    error(k + ": " + e.getMessage());
                }
            }));
            keys.put("compress-above-bytes", (k, v) -> whole(k, v, x -> r[0] = r[0].withCompressAboveBytes(x)));
            keys.put("default-timeout", (k, v) -> duration(k, v, x -> r[0] = r[0].withDefaultTimeout(x)));
            keys.put("retry-budget", (k, v) -> whole(k, v, x -> r[0] = r[0].withRetryBudget(x)));
            keys.put("strategy", (k, v) -> text(k, v, x -> {
                try {
                    r[0] = r[0].withStrategy(dev.muster.balance.BalancingStrategy.parse(x));
                } catch (IllegalArgumentException e) {
                    error(k + ": " + e.getMessage());
                }
            }));
            section(key, node, keys);
            r[0].problems().forEach(this::error);
            builder.rpc(r[0]);
        }

        void content(String key, JsonNode node) {
            ContentConfig[] c = {ContentConfig.DEFAULTS};
            Map<String, BiConsumer<String, JsonNode>> keys = new LinkedHashMap<>();
            keys.put("budget-bytes", (k, v) -> whole(k, v, x -> c[0] = c[0].withBudgetBytes(x)));
            keys.put("max-content-bytes", (k, v) -> whole(k, v, x -> c[0] = c[0].withMaxContentBytes(x)));
            keys.put("fanout", (k, v) -> whole(k, v, x -> c[0] = c[0].withFanout(x)));
            keys.put("energy", (k, v) -> whole(k, v, x -> c[0] = c[0].withEnergy(x)));
            keys.put("dir", (k, v) -> text(k, v, x -> c[0] = c[0].withDir(Path.of(x))));
            section(key, node, keys);
            c[0].problems().forEach(this::error);
            builder.content(c[0]);
        }

        void http(String key, JsonNode node) {
            HttpConfig[] h = {HttpConfig.DEFAULTS};
            Map<String, BiConsumer<String, JsonNode>> keys = new LinkedHashMap<>();
            keys.put("token", (k, v) -> text(k, v, x -> h[0] = h[0].withToken(x)));
            keys.put("token-file", (k, v) -> text(k, v, x -> h[0] = h[0].withTokenFile(Path.of(x))));
            keys.put("protect-reads", (k, v) -> flag(k, v, x -> h[0] = h[0].withProtectReads(x)));
            keys.put("events-buffer", (k, v) -> whole(k, v, x -> h[0] = h[0].withEventsBuffer(x)));
            section(key, node, keys);
            h[0].problems().forEach(this::error);
            builder.http(h[0]);
        }

        void advertise(String key, String text) {
            try {
                HostPort hp = parseAdvertise(text);
                builder.advertiseHost(hp.host()).advertisePort(hp.port());
            } catch (IllegalArgumentException e) {
                error(key + ": " + e.getMessage());
            }
        }

        void seeds(String key, JsonNode node) {
            if (node.isNull()) {
                return;
            }
            List<Address> seeds = new ArrayList<>();
            if (node.isArray()) {
                for (JsonNode item : node) {
                    if (item.isTextual()) {
                        seeds.addAll(parseSeeds(key, item.asText(), errors, source));
                    } else {
                        error(key + ": " + shown(item) + " must be a host:port text");
                    }
                }
            } else if (node.isTextual()) {
                seeds.addAll(parseSeeds(key, node.asText(), errors, source));
            } else {
                error(key + ": " + shown(node) + " must be a list of host:port, or one comma-separated text");
            }
            builder.seeds(seeds);
        }

        void metadata(String key, JsonNode node) {
            if (!isMapping(key, node, "names to values")) {
                return;
            }
            Map<String, String> entries = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                JsonNode v = e.getValue();
                if (v.isValueNode() && !v.isNull()) {
                    entries.put(e.getKey(), v.asText());
                } else {
                    error(key + "." + e.getKey() + ": " + shown(v) + " must be a text, number or true/false");
                }
            }
            try {
                builder.metadata(Metadata.of(entries));
            } catch (IllegalArgumentException e) {
                error(key + ": " + e.getMessage());
            }
        }

        /** True for a mapping to read; false for null (keep the defaults) and for anything else, an error. */
        boolean isMapping(String key, JsonNode node, String ofWhat) {
            if (!node.isObject() && !node.isNull()) {
                error(key + ": " + shown(node) + " must be a mapping of " + ofWhat);
            }
            return node.isObject();
        }

        void text(String key, JsonNode v, Consumer<String> set) {
            if (v.isNull()) {
                return;
            }
            if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                set.accept(v.asText());
            } else {
                error(key + ": " + shown(v) + " must be a text");
            }
        }

        void whole(String key, JsonNode v, IntConsumer set) {
            if (v.isNull()) {
                return;
            }
            Integer n = v.isInt() ? Integer.valueOf(v.intValue()) : v.isTextual() ? parseWhole(v.asText()) : null;
            if (n == null) {
                error(key + ": " + shown(v) + " must be a whole number");
            } else {
                set.accept(n);
            }
        }

        void flag(String key, JsonNode v, Consumer<Boolean> set) {
            if (v.isNull()) {
                return;
            }
            String text = v.isBoolean() || v.isTextual() ? v.asText().toLowerCase(Locale.ROOT) : "";
            switch (text) {
                case "true" -> set.accept(true);
                case "false" -> set.accept(false);
                default -> error(key + ": " + shown(v) + " must be true or false");
            }
        }

        void duration(String key, JsonNode v, Consumer<Duration> set) {
            if (v.isNull()) {
                return;
            }
            if (!v.isTextual() && !v.isNumber()) {
                error(key + ": " + shown(v) + " must be a duration with a unit, for example 500ms or 30s");
                return;
            }
            try {
                set.accept(Durations.parse(key + ":", v.asText()));
            } catch (IllegalArgumentException e) {
                error(e.getMessage());
            }
        }

        void error(String message) {
            errors.add(source + ": " + message);
        }
    }

    /**
     * Applies environment overrides to a builder, all or nothing; the rules are documented on
     * {@link ClusterConfig.Builder#applyEnvironment(Map)}, its public entry.
     */
    static void applyEnvironment(ClusterConfig.Builder b, Map<String, String> env) {
        List<String> errors = new ArrayList<>();
        String clusterName = variable(env, "CLUSTER_NAME");
        String nodeName = variable(env, "NODE_NAME");
        String bind = variable(env, "CLUSTER_BIND");
        String advertiseText = variable(env, "CLUSTER_ADVERTISE");
        String seedText = variable(env, "CLUSTER_SEEDS");
        List<Address> seeds = seedText == null ? null : parseSeeds("CLUSTER_SEEDS", seedText, errors, null);
        Integer nodeIndex = whole(env, "NODE_INDEX", 1, errors);
        Integer clusterSize = whole(env, "CLUSTER_SIZE", Integer.MIN_VALUE, errors);
        Integer port = whole(env, "CLUSTER_PORT", Integer.MIN_VALUE, errors);
        Integer httpPort = whole(env, "HTTP_PORT", Integer.MIN_VALUE, errors);
        Integer basePort = whole(env, "BASE_PORT", 1, errors);
        Integer httpBasePort = whole(env, "HTTP_BASE_PORT", 1, errors);
        Integer spacing = whole(env, "PORT_SPACING", 0, errors);
        String token = variable(env, "MUSTER_TOKEN");
        if (token != null) {
            HttpConfig.tokenProblem("MUSTER_TOKEN", token).ifPresent(errors::add);
        }

        int i = nodeIndex != null ? nodeIndex : Math.max(1, b.nodeIndex());
        int step = spacing != null ? spacing : 10;
        if (port == null && (basePort != null || (nodeIndex != null && !b.portSet()))) {
            port = nthPort("BASE_PORT", basePort != null ? basePort : ClusterConfig.DEFAULT_PORT, i, step, errors);
        }
        if (httpPort == null && (basePort != null || httpBasePort != null || (nodeIndex != null && !b.httpPortSet()))) {
            httpPort = nthPort("HTTP_BASE_PORT",
                    httpBasePort != null ? httpBasePort : ClusterConfig.DEFAULT_HTTP_PORT, i, step, errors);
        }
        HostPort advertise = null;
        if (advertiseText != null) {
            try {
                advertise = parseAdvertise(advertiseText);
            } catch (IllegalArgumentException e) {
                errors.add("CLUSTER_ADVERTISE: " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        // nothing above touched b; from here on nothing can fail
        if (clusterName != null) b.clusterName(clusterName);
        if (nodeName != null) b.nodeName(nodeName);
        if (bind != null) b.bindHost(bind);
        if (advertise != null) b.advertiseHost(advertise.host()).advertisePort(advertise.port());
        if (seeds != null) b.seeds(seeds);
        if (nodeIndex != null) b.nodeIndex(nodeIndex);
        if (clusterSize != null) b.clusterSize(clusterSize);
        if (port != null) b.port(port);
        if (httpPort != null) b.httpPort(httpPort);
        if (token != null) b.http(b.httpConfig().withToken(token).withTokenFile(null));
    }

    /** {@code base + (i - 1) * step}, or null with an error if that is no port. */
    private static Integer nthPort(String baseName, int base, int i, int step, List<String> errors) {
        long p = base + (long) (i - 1) * step;
        if (p > 65_535) {
            errors.add(baseName + " " + base + " + (node index " + i + " - 1) * PORT_SPACING " + step + " = " + p
                    + " is above 65535; lower the base port or the spacing");
            return null;
        }
        return (int) p;
    }

    /** The variable's value, stripped, or null when unset or blank. */
    private static String variable(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static Integer whole(Map<String, String> env, String name, int min, List<String> errors) {
        String text = variable(env, name);
        if (text == null) {
            return null;
        }
        Integer n = parseWhole(text);
        if (n == null) {
            errors.add(name + ": '" + text + "' must be a whole number");
        } else if (n < min) {
            errors.add(name + ": '" + text + "' must be " + min + " or more");
            return null;
        }
        return n;
    }

    private static Integer parseWhole(String text) {
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An advertise setting: a host, and a port or 0 for the bound port. */
    private record HostPort(String host, int port) {}

    /**
     * Parses {@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port} or a bare IPv6
     * literal; no port means the bound port (0). The host itself is checked by build().
     */
    private static HostPort parseAdvertise(String text) {
        String s = text.strip();
        long colons = s.chars().filter(c -> c == ':').count();
        if (s.startsWith("[") && s.endsWith("]")) {
            return new HostPort(s.substring(1, s.length() - 1), 0);
        }
        if (s.startsWith("[") || colons == 1) {
            Address a = Address.parse(s);
            return new HostPort(a.host(), a.port());
        }
        return new HostPort(s, 0); // a host name, or an IPv6 literal without a port
    }

    /** Adds each bad seed to errors, prefixed with {@code source} when it came from a file. */
    private static List<Address> parseSeeds(String key, String text, List<String> errors, String source) {
        List<Address> seeds = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            try {
                if (s.startsWith("[") && s.endsWith("]")) {
                    seeds.add(new Address(s.substring(1, s.length() - 1), ClusterConfig.DEFAULT_PORT));
                } else if (s.indexOf(':') < 0) {
                    seeds.add(new Address(s, ClusterConfig.DEFAULT_PORT));
                } else {
                    seeds.add(Address.parse(s));
                }
            } catch (IllegalArgumentException e) {
                String message = e.getMessage().contains(s) ? e.getMessage() : "'" + s + "': " + e.getMessage();
                errors.add((source == null ? "" : source + ": ") + key + ": " + message);
            }
        }
        return seeds;
    }

    /** How a value is shown in an error: text quoted, numbers and booleans as written. */
    private static String shown(JsonNode v) {
        if (v.isTextual()) {
            return "'" + v.asText() + "'";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        return v.asText();
    }

    /** "; did you mean 'x.probe-interval'?" for a key a typo or two away from a known one. */
    private static String suggestion(String prefix, String key, Iterable<String> known) {
        String best = null;
        int bestDistance = 3; // more than two edits is a different word, not a typo
        for (String k : known) {
            int d = editDistance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + (prefix.isEmpty() ? "" : prefix + ".") + best + "'?";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
