package io.lockstep.spring.quickstart;

import org.springframework.data.jpa.repository.JpaRepository;

public interface QuickOrderRepository extends JpaRepository<QuickOrder, String> {
}
