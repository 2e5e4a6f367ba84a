package dev.setlist.relecloud.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** The {@code setlist} command with Relecloud: the server's commands plus {@code demo} and {@code prove}. */
public final class RelecloudMain {
    /** Lucene's note that the incubating vector module is not enabled: noise for a command line (held: loggers are weak). */
    private static final java.util.logging.Logger LUCENE_VECTORS =
            java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization");

    private RelecloudMain() {}

    public static void main(String[] args) {
        LUCENE_VECTORS.setLevel(java.util.logging.Level.SEVERE);
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = dev.setlist.server.cli.Main.commandLine();
        cli.addSubcommand("demo", new DemoCommand());
        cli.addSubcommand("prove", new ProveCommand());
        cli.addSubcommand("prove-server", new ProveServerCommand());
        return dev.setlist.server.cli.Main.execute(cli, out, err, args);
    }
}
