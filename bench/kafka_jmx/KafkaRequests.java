// The broker's request counts, for bench/kafka_requests.py (issue 16).
//
//   java bench/kafka_jmx/KafkaRequests.java <broker pid>
//
// Attaches to the running broker (the JDK's attach API: same user, same machine), starts its
// local JMX agent and, for every line read on standard input, prints one line per request type
// "<type> <count>" (Kafka's kafka.network:type=RequestMetrics,name=RequestsPerSec,request=<type>
// meters, summed over versions; counts since the broker started) and then a line ".".
// Ends at the end of its input.

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class KafkaRequests {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        String address = vm.startLocalManagementAgent();
        vm.detach();
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName pattern =
                new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*");
            BufferedReader input = new BufferedReader(new InputStreamReader(System.in));
            while (input.readLine() != null) {
                Map<String, Long> counts = new TreeMap<>();
                for (ObjectName name : server.queryNames(pattern, null)) {
                    long count = ((Number) server.getAttribute(name, "Count")).longValue();
                    counts.merge(name.getKeyProperty("request"), count, Long::sum);
                }
                for (Map.Entry<String, Long> entry : counts.entrySet()) {
                    System.out.println(entry.getKey() + " " + entry.getValue());
                }
                System.out.println(".");
                System.out.flush();
            }
        }
    }
}
