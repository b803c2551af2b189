package io.lockstep.cli;

import io.lockstep.cli.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lockstep}: the demo and the operator's commands. */
@Command(name = "lockstep", mixinStandardHelpOptions = true, version = "Lockstep 0.1.0-SNAPSHOT",
        description = "Lockstep, a Jakarta Transactions manager: demo and administration.",
        subcommands = {DemoCommand.class})
public final class LockstepCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LockstepCli()).execute(args));
    }
}
