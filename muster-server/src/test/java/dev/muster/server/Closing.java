package dev.muster.server;

/** Test teardown: closes each in order, going on past failures (printed), skipping nulls. */
final class Closing {

    private Closing() {}

    static void all(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }
}
