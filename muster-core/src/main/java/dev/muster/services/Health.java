package dev.muster.services;

/** The health an instance advertises; a failing instance receives no calls and leaves every view. */
public enum Health {
    PASSING, FAILING
}
