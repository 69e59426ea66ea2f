package dev.muster.scenarios;

import dev.muster.testkit.ClusterDriver;
import dev.muster.testkit.SimulatedDriver;

/** The shared membership scenarios on the deterministic simulator; a failure names the seed to replay. */
class SimulatedMembershipScenariosTest extends MembershipScenarios {

    private static final long SEED = 42;

    @Override
    protected ClusterDriver newCluster() {
        return new SimulatedDriver(SEED);
    }

    @Override
    protected String run() {
        return "simulator seed " + SEED;
    }
}
