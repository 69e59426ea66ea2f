package dev.muster.services;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Objects;

/** JSON through Jackson: the default {@link ServiceCodec}. Thread-safe. */
public final class JsonCodec implements ServiceCodec {

    private final ObjectMapper mapper;

    public JsonCodec() {
        this(new ObjectMapper().findAndRegisterModules());
    }

    public JsonCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** Jackson's message without the "at [Source: ...]" location it appends on a second line. */
    private static String firstLine(IOException e) {
        String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        m = String.valueOf(m);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public byte[] encode(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode a " + (value == null ? "null" : value.getClass().getName())
                    + " as JSON: " + firstLine(e), e);
        }
    }

    @Override
    public <T> T decode(byte[] bytes, Class<T> type) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode " + bytes.length + " bytes of JSON as a "
                    + type.getName() + ": " + firstLine(e), e);
        }
    }
}
