package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The JVM the random-kill soak kills: {@code threads} tellers transfer money between two banks (each transfer also
 * recorded by id in both and announced to the broker) until the process is killed; after each commit returns it
 * prints {@code COMMITTED <id>}. Test harness for it-tests; arguments: log directory, bank A spec, bank B spec,
 * broker URL, threads, run id.
 */
public final class SoakChild {
    private SoakChild() {
    }

    public static void main(String[] args) throws Exception {
        Bank a = Bank.parse(args[1]);
        Bank b = Bank.parse(args[2]);
        int threads = Integer.parseInt(args[4]);
        String run = args[5];
        String node = args.length > 6 ? args[6] : "soak";
        LockstepTransactionManager tm = Lockstep.builder().nodeId(node).logDirectory(Path.of(args[0]))
                .recoveryInterval(Duration.ofHours(1)).build();
        System.out.println("READY");
        System.out.flush();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            new Thread(() -> {
                try (Teller teller = new Teller(tm, a, b,
                        new org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory(args[3]))) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; ; i++) {
                        String id = run + "-" + thread + "-" + i;
                        try {
                            teller.transfer(id, 1 + random.nextInt(DemoCommand.ACCOUNTS),
                                    1 + random.nextInt(DemoCommand.ACCOUNTS), 1 + random.nextInt(50));
                        } catch (Exception e) {
                            continue; // lock conflicts: the transaction rolled back; the next one goes on
                        }
                        System.out.println("COMMITTED " + id);
                        System.out.flush();
                    }
                } catch (Exception e) {
                    System.out.println("TELLER FAILED " + e);
                }
            }).start();
        }
    }
}
