package dev.muster.scenarios;

/** The shared membership scenarios on the deterministic simulator; a failure names the seed to replay. */
class SimulatedMembershipScenariosTest extends MembershipScenarios {

    private static final long SEED = 42;

    @Override
    protected ScenarioCluster newCluster() {
        return new SimulatedCluster(SEED);
    }

    @Override
    protected String run() {
        return "simulator seed " + SEED;
    }
}
