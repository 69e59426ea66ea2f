package dev.muster.scenarios;

/** The shared membership scenarios on real loopback sockets: ten nodes in this JVM, wall-clock time. */
class RealSocketMembershipScenariosTest extends MembershipScenarios {

    @Override
    protected ScenarioCluster newCluster() {
        return new RealCluster();
    }

    @Override
    protected String run() {
        return "real sockets";
    }
}
