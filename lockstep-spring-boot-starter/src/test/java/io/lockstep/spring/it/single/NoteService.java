package io.lockstep.spring.it.single;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class NoteService {
    @PersistenceContext
    private EntityManager em;

    @Transactional
    public void add(String item) {
        em.persist(new SpringNote(item));
    }

    @Transactional
    public void addThenFail(String item) {
        em.persist(new SpringNote(item));
        em.flush();
        throw new IllegalStateException("rejected " + item);
    }
}
