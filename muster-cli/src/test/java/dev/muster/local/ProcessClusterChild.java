package dev.muster.local;

/**
 * A JVM that starts a process cluster and then waits to be killed: for the test that node
 * processes end when the JVM that started them dies. Prints the cluster directory, then
 * {@code pid N} per node, then {@code formed}.
 */
public final class ProcessClusterChild {

    private ProcessClusterChild() {}

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        ProcessDriver driver = (ProcessDriver) new ProcessDriver.Provider().driver();
        driver.start(size);
        System.out.println("dir " + driver.directory());
        for (int i = 0; i < size; i++) {
            System.out.println("pid " + driver.pid(i));
        }
        System.out.println("formed");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed: the driver is never closed
    }
}
