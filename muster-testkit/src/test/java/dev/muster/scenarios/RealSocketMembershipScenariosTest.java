package dev.muster.scenarios;

import dev.muster.testkit.ClusterDriver;
import dev.muster.testkit.EmbeddedDriver;

/** The shared membership scenarios on real loopback sockets: ten nodes in this JVM, wall-clock time. */
class RealSocketMembershipScenariosTest extends MembershipScenarios {

    @Override
    protected ClusterDriver newCluster() {
        return new EmbeddedDriver();
    }

    @Override
    protected String run() {
        return "real sockets";
    }
}
