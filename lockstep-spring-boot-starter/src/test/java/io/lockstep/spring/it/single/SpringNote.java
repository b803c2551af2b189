package io.lockstep.spring.it.single;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A note, kept in PostgreSQL. */
@Entity
@Table(name = "spring_notes")
public class SpringNote {
    @Id
    private String id;

    @Column(nullable = false)
    private String item;

    protected SpringNote() {
    }

    public SpringNote(String item) {
        this.id = UUID.randomUUID().toString();
        this.item = item;
    }
}
