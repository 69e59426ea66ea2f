package dev.muster.rpc;

import dev.muster.Address;
import dev.muster.Metadata;
import dev.muster.services.Health;
import dev.muster.services.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How service instances ride in membership metadata: one entry per service,
 * {@code svc.NAME = p,version=1.2,zone=eu-1} where the first letter is the health ({@code p}
 * passing, {@code f} failing) and the rest are the instance's metadata. Stateless.
 */
final class Ads {

    static final String PREFIX = "svc.";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern META = Pattern.compile("[A-Za-z0-9._:/-]{1,64}");

    private Ads() {}

    static String key(String service) {
        return PREFIX + service;
    }

    static String value(Health health, Map<String, String> metadata) {
        StringBuilder b = new StringBuilder(health == Health.PASSING ? "p" : "f");
        metadata.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.append(',').append(e.getKey()).append('=').append(e.getValue()));
        return b.toString();
    }

    /** The reason {@code name} and {@code metadata} cannot be registered, or null when they can. */
    static String problem(String name, Map<String, String> metadata) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "service name '" + name + "' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (!META.matcher(e.getKey()).matches() || !META.matcher(e.getValue()).matches()) {
                return "service " + name + " metadata '" + e.getKey() + "=" + e.getValue()
                        + "': keys and values must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-', ':' and '/'";
            }
        }
        String w = metadata.get("weight");
        if (w != null && !w.matches("[1-9][0-9]{0,5}")) {
            return "service " + name + " metadata weight=" + w + " must be a whole number from 1 to 999999";
        }
        return null;
    }

    /** Every instance a member's metadata advertises, failing ones included. */
    static List<ServiceInstance> parse(String node, Address address, Metadata metadata) {
        List<ServiceInstance> out = null;
        for (Map.Entry<String, String> e : metadata.asMap().tailMap(PREFIX).entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                break;
            }
            ServiceInstance i = instance(e.getKey().substring(PREFIX.length()), node, address, e.getValue());
            if (i != null) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(i);
            }
        }
        return out == null ? List.of() : out;
    }

    private static ServiceInstance instance(String service, String node, Address address, String value) {
        if (value.isEmpty() || !NAME.matcher(service).matches()) {
            return null;
        }
        Health h = value.charAt(0) == 'p' ? Health.PASSING : Health.FAILING;
        Map<String, String> meta = new LinkedHashMap<>();
        int at = 1;
        while (at < value.length()) {
            int end = value.indexOf(',', at + 1);
            String pair = value.substring(at + 1, end < 0 ? value.length() : end);
            int eq = pair.indexOf('=');
            if (eq > 0) {
                meta.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            at = end < 0 ? value.length() : end;
        }
        return new ServiceInstance(service, node, address, meta, h);
    }
}
