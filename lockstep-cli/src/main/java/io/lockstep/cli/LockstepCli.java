package io.lockstep.cli;

import io.lockstep.cli.admin.InDoubtCommand;
import io.lockstep.cli.admin.LogCommand;
import io.lockstep.cli.admin.NodesCommand;
import io.lockstep.cli.admin.StatusCommand;
import io.lockstep.cli.admin.RecoverCommand;
import io.lockstep.cli.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lockstep}: the demo and the operator's commands. */
@Command(name = "lockstep", mixinStandardHelpOptions = true, version = "Lockstep 0.1.0-SNAPSHOT",
        description = "Lockstep, a Jakarta Transactions manager: demo and administration.",
        subcommands = {DemoCommand.class, LogCommand.class, StatusCommand.class, RecoverCommand.class,
                InDoubtCommand.class, NodesCommand.class})
public final class LockstepCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with Lockstep's error handling: a failure prints its message (no stack trace), exit 1. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LockstepCli());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            // A message is what the operator needs; an exception without one is named by its type.
            line.getErr().println("lockstep: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("LOCKSTEP_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }
}
