package dev.setlist.server.cli;

/** Entry point of the {@code setlist} command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("setlist");
    }
}
