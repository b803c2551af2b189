package io.lockstep.spring.quickstart;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class QuickOrderService {
    private final QuickOrderRepository orders;

    public QuickOrderService(QuickOrderRepository orders) {
        this.orders = orders;
    }

    @Transactional
    public void place(String id) {
        orders.save(new QuickOrder(id, "book"));
    }

    @Transactional
    public void placeThenFail(String id) {
        orders.saveAndFlush(new QuickOrder(id, "book"));
        throw new IllegalStateException("payment declined for " + id);
    }
}
