package io.lockstep.tm.admin;

import java.util.Collection;

/** A minimal JSON writer for the management endpoint's views (strings, numbers, booleans, arrays, objects). */
final class Json {
    private final StringBuilder sb = new StringBuilder(256);
    private boolean needComma;

    Json beginObject() {
        comma();
        sb.append('{');
        needComma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    Json beginArray(String name) {
        key(name);
        sb.append('[');
        needComma = false;
        return this;
    }

    Json beginArray() {
        comma();
        sb.append('[');
        needComma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    Json field(String name, String value) {
        key(name);
        string(value);
        needComma = true;
        return this;
    }

    Json field(String name, long value) {
        key(name);
        sb.append(value);
        needComma = true;
        return this;
    }

    Json field(String name, boolean value) {
        key(name);
        sb.append(value);
        needComma = true;
        return this;
    }

    Json field(String name, Collection<String> values) {
        beginArray(name);
        for (String v : values) {
            comma();
            string(v);
            needComma = true;
        }
        return endArray();
    }

    Json objectField(String name) {
        key(name);
        sb.append('{');
        needComma = false;
        return this;
    }

    private void key(String name) {
        comma();
        string(name);
        sb.append(':');
        needComma = false;
    }

    private void comma() {
        if (needComma) {
            sb.append(',');
        }
    }

    private void string(String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
