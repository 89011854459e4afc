// What `kafka-reassign-partitions --generate` proposes, computed by Kafka's own
// code from the jars: ReassignPartitionsCommand.calculateAssignment, the step
// --generate runs after reading the current assignment and the brokers from
// the cluster (Kafka 4.x: the KRaft controller's StripedReplicaPlacer, where
// 3.x used AdminUtils' round robin).
//
//   java --class-path '<kafka libs>/*' tools/KafkaGenerate.java < request.json
//
// requests: [{"brokers": [{"id": 1, "rack": "rack-a"}, ...],
//             "topics": {"orders": [[1, 2], [2, 3]], ...}}, ...]
// replies:  [{"orders": [[3, 1], [1, 2]], ...}, ...], one per request
//
// --generate keeps each topic's replication factor (the size of a partition's
// current replica list); a caller asking for another RF passes lists of that
// size. The method is private, so it is called by reflection: no copy of
// Kafka's algorithm, the jars' own.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

public class KafkaGenerate {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode replies = mapper.createArrayNode();
        for (JsonNode request : mapper.readTree(System.in)) replies.add(generate(mapper, request));
        System.out.println(mapper.writeValueAsString(replies));
    }

    static ObjectNode generate(ObjectMapper mapper, JsonNode request) throws Exception {
        Class<?> command = Class.forName("org.apache.kafka.tools.reassign.ReassignPartitionsCommand");
        Method calculate = null;
        for (Method method : command.getDeclaredMethods()) {
            if (method.getName().equals("calculateAssignment")) calculate = method;
        }
        if (calculate == null) throw new IllegalStateException("no calculateAssignment in these jars");
        calculate.setAccessible(true);
        // Kafka 4.x: the brokers as UsableBroker(int id, Optional<String> rack,
        // boolean fenced); 3.x's command is Scala (kafka.admin) and not covered.
        Class<?> brokerType = (Class<?>) ((java.lang.reflect.ParameterizedType)
            calculate.getGenericParameterTypes()[1]).getActualTypeArguments()[0];
        Constructor<?> newBroker = brokerType.getConstructors()[0];
        List<Object> brokers = new ArrayList<>();
        for (JsonNode broker : request.get("brokers")) {
            Optional<String> rack = broker.hasNonNull("rack")
                ? Optional.of(broker.get("rack").asText()) : Optional.empty();
            brokers.add(newBroker.newInstance(broker.get("id").asInt(), rack, false));
        }
        Map<TopicPartition, List<Integer>> current = new HashMap<>();
        JsonNode topics = request.get("topics");
        for (java.util.Iterator<String> names = topics.fieldNames(); names.hasNext(); ) {
            String topic = names.next();
            int partition = 0;
            for (JsonNode replicas : topics.get(topic)) {
                List<Integer> ids = new ArrayList<>();
                replicas.forEach(id -> ids.add(id.asInt()));
                current.put(new TopicPartition(topic, partition++), ids);
            }
        }
        @SuppressWarnings("unchecked")
        Map<TopicPartition, List<Integer>> proposed =
            (Map<TopicPartition, List<Integer>>) calculate.invoke(null, current, brokers);
        Map<String, TreeMap<Integer, List<Integer>>> byTopic = new TreeMap<>();
        proposed.forEach((tp, replicas) ->
            byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), replicas));
        ObjectNode reply = mapper.createObjectNode();
        byTopic.forEach((topic, partitions) -> {
            ArrayNode lists = reply.putArray(topic);
            partitions.values().forEach(replicas -> {
                ArrayNode list = lists.addArray();
                replicas.forEach(list::add);
            });
        });
        return reply;
    }
}
