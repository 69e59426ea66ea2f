package dev.muster.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Set;

/**
 * The JSON object body of a mutating request, read with a size limit and checked field by field.
 * Every problem is an {@link ApiError} (400, or 413 for a body over {@link #MAX_BYTES}), thrown
 * before the endpoint acts. The Content-Type is not checked: {@code curl -d} sends
 * form-encoded by default, and the body itself must parse as JSON anyway.
 */
final class RequestBody {

    /** Largest body accepted: every body of this API is a few fields; more is a mistake or abuse. */
    static final int MAX_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode fields;

    private RequestBody(ObjectNode fields) {
        this.fields = fields;
    }

    /**
     * Reads the raw body, at most {@code max} bytes.
     *
     * @param limit how the 413 names the limit, for example {@code "content.max-content-bytes"}
     * @throws ApiError 413 when the body is longer (by its Content-Length, before reading it, or as read)
     */
    static byte[] bytes(ServerRequest req, int max, String limit) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > max) {
            throw new ApiError(413, "body too large", "the body (" + declared + " bytes) exceeds " + max
                    + " bytes, " + limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(max + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > max) {
            throw new ApiError(413, "body too large", "the body exceeds " + max + " bytes, " + limit);
        }
        return bytes;
    }

    /**
     * Reads the request's body as one JSON object whose fields are all in {@code allowed}.
     *
     * @param example a valid body, quoted in the error messages
     */
    static RequestBody read(ServerRequest req, Set<String> allowed, String example) {
        byte[] bytes = bytes(req, MAX_BYTES, "the limit of a JSON body; send " + example);
        if (bytes.length == 0) {
            throw ApiError.badRequest("a JSON body is required: " + example);
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the body is not valid JSON (" + e.getOriginalMessage() + "); send " + example);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n == null || !n.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object: " + example);
        }
        for (Iterator<String> names = n.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiError.badRequest("unknown field '" + name + "'; send " + example);
            }
        }
        return new RequestBody((ObjectNode) n);
    }

    /** Whether the body has the field {@code name} (even as null). */
    boolean has(String name) {
        return fields.has(name);
    }

    /** Whether the body has the field {@code name} as JSON null. */
    boolean isNull(String name) {
        JsonNode v = fields.get(name);
        return v != null && v.isNull();
    }

    /** The number field {@code name}; missing, null or not a number is a 400. */
    double number(String name, String example) {
        JsonNode v = required(name, example);
        if (!v.isNumber()) {
            throw ApiError.badRequest("field '" + name + "' must be a number, not " + v + "; send " + example);
        }
        return v.asDouble();
    }

    /** The boolean field {@code name}; missing, null or not true/false is a 400. */
    boolean bool(String name, String example) {
        JsonNode v = required(name, example);
        if (!v.isBoolean()) {
            throw ApiError.badRequest("field '" + name + "' must be true or false, not " + v + "; send " + example);
        }
        return v.asBoolean();
    }

    private JsonNode required(String name, String example) {
        JsonNode v = fields.get(name);
        if (v == null || v.isNull()) {
            throw ApiError.badRequest("field '" + name + "' is missing; send " + example);
        }
        return v;
    }

    /** The whole-number field {@code name} between {@code min} and {@code max}; anything else is a 400. */
    int integer(String name, int min, int max, String example) {
        JsonNode v = required(name, example);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiError.badRequest("field '" + name + "' must be a whole number from " + min + " to " + max + ", not "
                    + abbreviate(v.toString()) + "; send " + example);
        }
        return v.asInt();
    }

    /**
     * The array-of-strings field {@code name}, at most {@code maxItems} long; missing, null, not an
     * array, or an entry that is no string is a 400.
     */
    java.util.List<String> texts(String name, int maxItems, String example) {
        JsonNode v = required(name, example);
        if (!v.isArray()) {
            throw ApiError.badRequest("field '" + name + "' must be an array of strings, not " + abbreviate(v.toString())
                    + "; send " + example);
        }
        if (v.size() > maxItems) {
            throw ApiError.badRequest("field '" + name + "' has " + v.size() + " entries; at most " + maxItems);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ApiError.badRequest("field '" + name + "' must hold only strings, not " + abbreviate(e.toString())
                        + "; send " + example);
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A value echoed in an error, cut to a length a reader can take. */
    static String abbreviate(String v) {
        return v.length() <= 64 ? v : v.substring(0, 64) + "...";
    }

    /** The string field {@code name}; missing, null or not a string is a 400. */
    String text(String name, String example) {
        JsonNode v = required(name, example);
        if (!v.isTextual()) {
            throw ApiError.badRequest("field '" + name + "' must be a string, not " + v + "; send " + example);
        }
        return v.asText();
    }
}
