package dev.setlist.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code setlist} command line. */
@Command(name = "setlist", mixinStandardHelpOptions = true, version = "setlist 0.1.0",
        description = "A flow-first workload runtime: Amazon States Language state machines, run and held to their targets.",
        subcommands = {AslCommand.class, ServeCommand.class, FlowsCommand.class, AdminCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this directly). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output streams and returns its exit code. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return execute(commandLine(), out, err, args);
    }

    /** The command line with the server's commands; a workload adds its own (Relecloud adds {@code demo}). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    /** Runs {@code cli} with the given output streams and returns its exit code. */
    public static int execute(CommandLine cli, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        cli.setExpandAtFiles(false);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("setlist: " + e.getMessage());
            return 2;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
