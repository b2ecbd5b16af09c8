#!/usr/bin/env bash
# Kafka's users, topics and ACLs, as docker-compose.yml's `kafka-setup` lists them; run in the
# apache/kafka image (its CLI tools) as the broker's super user, over the admin listener.
#
#   kafka-setup.sh setup        SCRAM-SHA-512 users (created, or their password set again), the
#                               missing topics with their configs (an existing topic whose configs
#                               differ gets the listed ones), then the ACLs (adding one that exists
#                               is a no-op)
#   kafka-setup.sh healthcheck  the broker answers the admin user (the broker's health check)
#
# Environment (docker-compose.yml sets it; see deploy/README.md):
#   STOCKPATH_KAFKA_BOOTSTRAP        the admin listener, e.g. kafka:9094 (SASL_PLAINTEXT, PLAIN)
#   STOCKPATH_KAFKA_ADMIN_PASSWORD   the super user `admin`'s password
#   STOCKPATH_KAFKA_USERS            lines "<user> <password>"
#   STOCKPATH_KAFKA_TOPICS           lines "<topic> [<config>=<value> ...]" (e.g. retention.ms=-1),
#                                    created with STOCKPATH_KAFKA_PARTITIONS / STOCKPATH_KAFKA_REPLICATION
#   STOCKPATH_KAFKA_ACLS             lines "<user> <operation> <topic|group|cluster> <literal|prefixed> <name>"
# Lines starting with # are comments. Passwords: letters, digits, '.', '_' and '-' only (they
# travel inside SCRAM and JAAS configuration strings).
set -euo pipefail

BIN=${STOCKPATH_KAFKA_BIN:-/opt/kafka/bin}  # the tests point it at stand-ins
PASSWORD_PATTERN='^[A-Za-z0-9._-]{12,}$'

admin_config() {
    local config
    config=$(mktemp)
    cat > "$config" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${STOCKPATH_KAFKA_ADMIN_PASSWORD}";
EOF
    echo "$config"
}

# The lines of a list variable, without comments and blank lines.
entries() {
    grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' <<< "${!1:-}" || true
}

tool() {
    local name=$1
    shift
    "$BIN/$name" --bootstrap-server "$STOCKPATH_KAFKA_BOOTSTRAP" --command-config "$CONFIG" "$@"
}

create_users() {
    local user password
    while read -r user password; do
        if [[ ! $password =~ $PASSWORD_PATTERN ]]; then
            echo "the password of Kafka user $user must be 12 or more of [A-Za-z0-9._-]" >&2
            exit 1
        fi
        echo "user $user"
        tool kafka-configs.sh --alter --entity-type users --entity-name "$user" \
            --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" > /dev/null
    done < <(entries STOCKPATH_KAFKA_USERS)
}

create_topics() {
    local existing described topic configs config flags
    existing=$(tool kafka-topics.sh --list)
    described=""
    while read -r topic configs; do
        if grep -qxF "$topic" <<< "$existing"; then
            [[ -n $configs ]] || continue
            # Once, and only when a listed topic exists: every topic's dynamic configs, as
            # "<topic> <config>=<value>" lines. A topic missing from them is configured again.
            [[ -n $described ]] || described=$(tool kafka-configs.sh --describe --entity-type topics | topic_configs)
            for config in $configs; do
                if ! grep -qxF "$topic $config" <<< "$described"; then
                    echo "topic $topic: $configs"
                    tool kafka-configs.sh --alter --entity-type topics --entity-name "$topic" \
                        --add-config "${configs// /,}" > /dev/null
                    break
                fi
            done
            continue
        fi
        echo "topic $topic ${configs:+($configs)}"
        flags=()
        for config in $configs; do
            flags+=(--config "$config")
        done
        tool kafka-topics.sh --create --if-not-exists --topic "$topic" \
            --partitions "$STOCKPATH_KAFKA_PARTITIONS" --replication-factor "$STOCKPATH_KAFKA_REPLICATION" \
            "${flags[@]}" > /dev/null
    done < <(entries STOCKPATH_KAFKA_TOPICS)
}

# kafka-configs.sh --describe's "Dynamic configs for topic <topic> are:" and "  <config>=<value>
# sensitive=... synonyms=..." lines, as "<topic> <config>=<value>".
topic_configs() {
    awk '/^Dynamic configs for topic / { topic = $5; next }
         topic != "" && /^[[:space:]]+[^[:space:]]+=/ { print topic, $1 }'
}

# One kafka-acls.sh run per user, operation, resource type and pattern type, naming every resource.
create_acls() {
    local user operation resource pattern name key
    local -A names=()
    while read -r user operation resource pattern name; do
        key="$user $operation $resource $pattern"
        if [[ $resource == cluster ]]; then
            names[$key]="--cluster"
        else
            names[$key]="${names[$key]:-} --$resource $name"
        fi
    done < <(entries STOCKPATH_KAFKA_ACLS)
    for key in "${!names[@]}"; do
        read -r user operation resource pattern <<< "$key"
        echo "acl $user $operation $resource ($pattern):${names[$key]#--cluster}"
        # Word splitting of the names is wanted; '*' (every topic or group) must not glob.
        set -f
        # shellcheck disable=SC2086
        tool kafka-acls.sh --add --allow-principal "User:$user" --operation "$operation" \
            --resource-pattern-type "${pattern^^}" ${names[$key]} > /dev/null
        set +f
    done
}

CONFIG=$(admin_config)
trap 'rm -f "$CONFIG"' EXIT

case "${1:-setup}" in
    healthcheck)
        tool kafka-broker-api-versions.sh > /dev/null
        ;;
    setup)
        create_users
        create_topics
        create_acls
        echo "kafka users, topics and ACLs are in place"
        ;;
    *)
        echo "usage: kafka-setup.sh [setup|healthcheck]" >&2
        exit 2
        ;;
esac
