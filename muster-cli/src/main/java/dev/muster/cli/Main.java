package dev.muster.cli;
public final class Main { public static void main(String[] a) { System.out.println("muster " + Runtime.version()); } }
