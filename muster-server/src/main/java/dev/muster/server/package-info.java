/** The node process: one cluster node and its HTTP API. */
package dev.muster.server;
