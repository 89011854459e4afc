// Prints, as one JSON object, the config definitions of the Kafka release whose
// jars are on the class path: the topic configs (LogConfig's ConfigDef with
// each one's broker synonym), the broker configs (KafkaConfig's ConfigDef plus
// the dynamic broker quota configs) and the broker configs' dynamic update
// modes. Run by tools/config_catalog.py in Java's source-file mode:
//
//   java --class-path '<kafka libs>/*' tools/ConfigDefDump.java
//
// The classes moved between releases (Scala objects in kafka_2.13 up to 3.4,
// Java classes in the storage/server modules after), so everything is found by
// reflection, trying each release line's name in turn; only ConfigDef itself,
// stable since Kafka 1.0, is compiled against.

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;

public class ConfigDefDump {

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder("{\n");
        String[] topicSource = new String[1];
        ConfigDef topic = topicConfigDef(topicSource);
        out.append("\"topic_config_def\": ").append(quote(topicSource[0])).append(",\n");
        out.append("\"topic\": [\n");
        appendKeys(out, topic.configKeys(), true);
        out.append("],\n");
        String[] brokerSource = new String[1];
        Map<String, ConfigDef.ConfigKey> broker = new TreeMap<>(brokerConfigDef(brokerSource).configKeys());
        for (Map.Entry<String, ConfigDef.ConfigKey> entry : brokerQuotaConfigDef().configKeys().entrySet()) {
            broker.putIfAbsent(entry.getKey(), entry.getValue());
        }
        out.append("\"broker_config_def\": ").append(quote(brokerSource[0])).append(",\n");
        out.append("\"broker\": [\n");
        appendKeys(out, broker, false);
        out.append("],\n");
        out.append("\"dynamic_update_modes\": {");
        Map<String, String> modes = new TreeMap<>(dynamicUpdateModes());
        boolean first = true;
        for (Map.Entry<String, String> mode : modes.entrySet()) {
            out.append(first ? "\n" : ",\n").append(quote(mode.getKey())).append(": ")
                .append(quote(mode.getValue()));
            first = false;
        }
        out.append("\n}\n}\n");
        System.out.print(out);
    }

    // --- finding the definitions ---------------------------------------------------

    static ConfigDef topicConfigDef(String[] source) throws Exception {
        // 3.5+: the storage module's Java LogConfig.
        Class<?> java = load("org.apache.kafka.storage.internals.log.LogConfig");
        if (java != null) {
            source[0] = java.getName() + ".configDefCopy()";
            return (ConfigDef) java.getMethod("configDefCopy").invoke(null);
        }
        // 3.0 .. 3.4: the Scala object kafka.log.LogConfig.
        Object module = scalaObject("kafka.log.LogConfig$");
        source[0] = "kafka.log.LogConfig.configDefCopy()";
        return (ConfigDef) module.getClass().getMethod("configDefCopy").invoke(module);
    }

    static String synonym(String topicConfig) throws Exception {
        // 3.5+ (server-common): ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS.
        Class<?> synonyms = load("org.apache.kafka.server.config.ServerTopicConfigSynonyms");
        if (synonyms != null) {
            Map<?, ?> map = (Map<?, ?>) synonyms.getField("TOPIC_CONFIG_SYNONYMS").get(null);
            Object found = map.get(topicConfig);
            return found == null ? null : found.toString();
        }
        // 3.0 .. 3.4: LogConfig.TopicConfigSynonyms, a Scala Map (not serverConfigName,
        // which also names the two throttled-replicas configs, broker configs they are not).
        Object module = scalaObject("kafka.log.LogConfig$");
        Object map = module.getClass().getMethod("TopicConfigSynonyms").invoke(module);
        Object option = map.getClass().getMethod("get", Object.class).invoke(map, topicConfig);
        boolean defined = (Boolean) option.getClass().getMethod("isDefined").invoke(option);
        return defined ? option.getClass().getMethod("get").invoke(option).toString() : null;
    }

    static ConfigDef brokerConfigDef(String[] source) throws Exception {
        // 3.7+ (server module): AbstractKafkaConfig.CONFIG_DEF.
        Class<?> java = load("org.apache.kafka.server.config.AbstractKafkaConfig");
        if (java != null) {
            try {
                source[0] = java.getName() + ".CONFIG_DEF";
                return (ConfigDef) java.getField("CONFIG_DEF").get(null);
            } catch (NoSuchFieldException ignored) {
                // fall through to KafkaConfig
            }
        }
        Object module = scalaObject("kafka.server.KafkaConfig$");
        for (String name : new String[] {"configDef", "kafka$server$KafkaConfig$$configDef"}) {
            try {
                Method method = module.getClass().getMethod(name);
                source[0] = "kafka.server.KafkaConfig." + name + "()";
                return (ConfigDef) method.invoke(module);
            } catch (NoSuchMethodException ignored) {
                // next candidate
            }
        }
        throw new IllegalStateException("no broker ConfigDef found");
    }

    static ConfigDef brokerQuotaConfigDef() throws Exception {
        // The replication throttle rates are dynamic-only broker configs, not in
        // KafkaConfig: QuotaConfig (4.x), QuotaConfigs (3.8, 3.9), DynamicConfig.Broker (older).
        for (String name : new String[] {"org.apache.kafka.server.config.QuotaConfig",
                                         "org.apache.kafka.server.config.QuotaConfigs"}) {
            Class<?> quota = load(name);
            if (quota != null) {
                try {
                    return (ConfigDef) quota.getMethod("brokerQuotaConfigs").invoke(null);
                } catch (NoSuchMethodException ignored) {
                    // next candidate
                }
            }
        }
        Object module = scalaObject("kafka.server.DynamicConfig$Broker$");
        if (module != null) {
            try {
                return (ConfigDef) module.getClass().getMethod("brokerConfigDef").invoke(module);
            } catch (NoSuchMethodException ignored) {
                // fall through
            }
        }
        throw new IllegalStateException("no broker quota ConfigDef found");
    }

    static Map<String, String> dynamicUpdateModes() throws Exception {
        Class<?> java = load("org.apache.kafka.server.config.DynamicBrokerConfig");
        if (java != null) {
            try {
                return castModes(java.getMethod("dynamicConfigUpdateModes").invoke(null));
            } catch (NoSuchMethodException ignored) {
                // fall through to the Scala object
            }
        }
        Object module = scalaObject("kafka.server.DynamicBrokerConfig$");
        if (module == null) {
            return Map.of();
        }
        return castModes(module.getClass().getMethod("dynamicConfigUpdateModes").invoke(module));
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> castModes(Object modes) {
        return (Map<String, String>) modes;
    }

    static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException | NoClassDefFoundError missing) {
            return null;
        }
    }

    static Object scalaObject(String name) throws Exception {
        Class<?> module = load(name);
        return module == null ? null : module.getField("MODULE$").get(null);
    }

    // --- writing them ---------------------------------------------------------------

    static void appendKeys(StringBuilder out, Map<String, ConfigDef.ConfigKey> keys, boolean topic)
            throws Exception {
        boolean first = true;
        for (ConfigDef.ConfigKey key : new TreeMap<>(keys).values()) {
            out.append(first ? "" : ",\n").append("{\"name\": ").append(quote(key.name));
            out.append(", \"type\": ").append(quote(key.type.name().toLowerCase()));
            boolean hasDefault = key.defaultValue != ConfigDef.NO_DEFAULT_VALUE;
            String value = hasDefault && key.defaultValue != null
                ? ConfigDef.convertToString(key.defaultValue, key.type) : null;
            out.append(", \"has_default\": ").append(hasDefault);
            out.append(", \"default\": ").append(quote(value));
            out.append(", \"internal\": ").append(internal(key));
            appendValidator(out, key.validator);
            if (topic) {
                out.append(", \"synonym\": ").append(quote(synonym(key.name)));
            }
            out.append(", \"doc\": ").append(quote(key.documentation)).append("}");
            first = false;
        }
        out.append("\n");
    }

    static boolean internal(ConfigDef.ConfigKey key) {
        try {
            return key.getClass().getField("internalConfig").getBoolean(key);
        } catch (ReflectiveOperationException missing) {
            return false;
        }
    }

    static void appendValidator(StringBuilder out, ConfigDef.Validator validator) throws Exception {
        if (validator == null) {
            return;
        }
        out.append(", \"validator\": ").append(quote(validator.toString()));
        out.append(", \"validator_class\": ").append(quote(validator.getClass().getName()));
        if (validator instanceof ConfigDef.Range) {
            out.append(", \"min\": ").append(number(field(validator, "min")));
            out.append(", \"max\": ").append(number(field(validator, "max")));
        }
        Object strings = validator;
        if (validator instanceof ConfigDef.ValidList) {
            strings = field(validator, "validString");
        }
        if (strings instanceof ConfigDef.ValidString) {
            List<String> values = new ArrayList<>();
            for (Object item : (Collection<?>) field(strings, "validStrings")) {
                values.add(item.toString());
            }
            out.append(", \"valid_values\": [");
            for (int i = 0; i < values.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(quote(values.get(i)));
            }
            out.append("]");
        }
    }

    static Object field(Object owner, String name) throws Exception {
        Field field = owner.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
    }

    static String number(Object value) {
        return value == null ? "null" : value.toString();
    }

    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append("\"").toString();
    }
}
