package dev.muster.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * What a scenario run did: one result per step (pass, fail or skipped after a failure), its
 * time, and what the run needs to be replayed (size, mode, seed, slack).
 *
 * @param sizeNote why the size differs from the file's, or empty
 * @param error what stopped the run outside a step (the cluster did not start), or null
 */
public record ScenarioReport(String name, String file, int size, String sizeNote, String mode, long seed, double slack,
                             List<StepResult> steps, long millis, String error) {

    public ScenarioReport {
        steps = List.copyOf(steps);
    }

    /** How one step went. */
    public enum Outcome { PASS, FAIL, SKIP }

    /** One step's result: {@code detail} says what held, or what was seen instead. */
    public record StepResult(int line, String step, Outcome outcome, long millis, String detail) {}

    public boolean passed() {
        return error == null && steps.stream().allMatch(s -> s.outcome() == Outcome.PASS);
    }

    /** The report as the CLI prints it. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("scenario ").append(name).append(" (").append(file).append("): ").append(size).append(" nodes")
                .append(sizeNote.isEmpty() ? "" : " (" + sizeNote + ")").append(", ").append(mode)
                .append(", seed ").append(seed);
        if (slack != 1) {
            sb.append(", slack x").append(slack);
        }
        sb.append('\n');
        int width = steps.stream().mapToInt(s -> s.step().length()).max().orElse(10);
        for (StepResult s : steps) {
            sb.append(String.format(Locale.ROOT, "  %-4s  line %3d  %-" + width + "s  %7s", s.outcome(), s.line(), s.step(),
                    s.outcome() == Outcome.SKIP ? "" : seconds(s.millis())));
            if (!s.detail().isEmpty()) {
                sb.append("  ").append(s.detail());
            }
            sb.append('\n');
        }
        if (error != null) {
            sb.append("  ERROR ").append(error).append('\n');
        }
        sb.append(passed() ? "PASSED" : "FAILED").append(" in ").append(seconds(millis));
        if (!passed()) {
            sb.append("; replay with: muster scenario run ").append(file).append(" --size ").append(size)
                    .append(" --seed ").append(seed);
        }
        return sb.append('\n').toString();
    }

    /** The report as JSON, for {@code --json}. */
    public ObjectNode json() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("name", name).put("file", file).put("size", size).put("mode", mode).put("seed", seed).put("slack", slack)
                .put("passed", passed()).put("millis", millis);
        if (!sizeNote.isEmpty()) {
            n.put("size_note", sizeNote);
        }
        n.put("error", error);
        ArrayNode a = n.putArray("steps");
        for (StepResult s : steps) {
            a.addObject().put("line", s.line()).put("step", s.step()).put("outcome", s.outcome().name().toLowerCase(Locale.ROOT))
                    .put("millis", s.millis()).put("detail", s.detail());
        }
        return n;
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
