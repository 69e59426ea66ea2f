package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.balance.BalancingStrategy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code muster balance STRATEGY}: switches the cluster's balancing strategy through the control
 * plane ({@code POST /api/cluster/balance} on the node at --url, or the first running node of the local cluster); every
 * node places by it from the next placement on. An unknown strategy exits 2 before anything is sent.
 */
@Command(name = "balance", mixinStandardHelpOptions = true,
        description = "Switch the cluster's balancing strategy: round-robin, least-loaded, least-agents, random, weighted.")
final class BalanceCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;


    @Mixin

    ApiOptions remote;

    @Parameters(paramLabel = "STRATEGY", description = "round-robin, least-loaded, least-agents, random or weighted.")
    String strategy;

    @Override
    public Integer call() {
        BalancingStrategy s = BalancingStrategy.parse(strategy);
        JsonNode a = remote.api(local).post("/api/cluster/balance",
                new ObjectMapper().createObjectNode().put("strategy", s.jsonName()).toString()).orThrow();
        System.out.println(local.json ? a.toPrettyString()
                : "strategy " + a.path("strategy").asText() + " (state version " + a.path("version").asLong() + ")");
        return 0;
    }
}
