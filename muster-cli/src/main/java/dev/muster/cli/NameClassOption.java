package dev.muster.cli;

import java.util.function.BiFunction;
import picocli.CommandLine;

/** The form of {@code serve}'s {@code NAME=CLASS} options ({@code --agent-type}, {@code --service}). */
final class NameClassOption {

    private NameClassOption() {}

    /**
     * Splits {@code value} at its first '=' and makes the option of the stripped halves.
     *
     * @param rule the form's rule, quoted when {@code value} has no NAME or no CLASS
     * @param make makes the option, throwing IllegalArgumentException with the reason when it breaks a rule
     * @throws CommandLine.TypeConversionException naming the value and the rule or the reason
     */
    static <T> T parse(String value, String rule, BiFunction<String, String, T> make) {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1) {
            throw new CommandLine.TypeConversionException("'" + value + "' " + rule);
        }
        try {
            return make.apply(value.substring(0, eq).strip(), value.substring(eq + 1).strip());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "': " + e.getMessage());
        }
    }
}
