package io.lockstep.cli.admin;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lockstep log}: commands on a log directory. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Inspect a transaction log directory.",
        subcommands = {LogDumpCommand.class})
public final class LogCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: log dump DIR");
    }
}
