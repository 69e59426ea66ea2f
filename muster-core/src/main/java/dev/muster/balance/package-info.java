/**
 * Load balancing: the figures nodes publish ({@link dev.muster.balance.NodeLoad}), the table a
 * balancer reads ({@link dev.muster.balance.LoadTable}) and the five strategies
 * ({@link dev.muster.balance.Balancer}). Pure: no I/O, clocks or threads; randomness is passed in.
 */
package dev.muster.balance;
