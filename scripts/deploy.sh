#!/usr/bin/env bash
# One command from a clone to a running service in the signed-in subscription (az login; az account set):
#
#   scripts/deploy.sh --location <region> [--parameters infra/main.bicepparam] [--package <zip>]
#                     [--name <deployment name>] [--subscriptions <id,id,...>] [--management-group <name>]
#                     [--grant-graph-permission] [-- <more az --parameters>]
#
# --subscriptions (or DEPLOY_WATCHED_SUBSCRIPTIONS): subscriptions to watch besides the signed-in
#   one (watchedSubscriptionIds); --management-group (or DEPLOY_MANAGEMENT_GROUP): the management
#   group to watch (managementGroupName), the custom role then on it. Neither: the parameters file decides.
# 1. npm run package (unless --package names a zip already built);
# 2. infra/main.bicep without the event subscriptions (Event Grid validates the function endpoint,
#    which exists only once the code is deployed);
# 3. with a management group, infra/modules/managementGroupRole.bicep on it (az deployment mg create);
# 4. the package, by zip deployment, and a wait until the host lists onResourceChange;
# 5. infra/main.bicep again, now with the event subscriptions;
# 6. when lockAuditPolicy is true (the default), the audit container's immutability policy is
#    locked (IRREVERSIBLE; ARM has no declarative lock). On later runs a locked policy is
#    detected from the previous deployment and left alone (manageAuditPolicy=false);
# 7. with --grant-graph-permission, Microsoft Graph Directory.Read.All for the Function's identity
#    (needs a Graph administrator: Privileged Role Administrator or Global Administrator).
#
# It needs the Azure CLI and rights to create role definitions and assignments (Owner, or
# Contributor plus User Access Administrator) on every watched subscription, or on the management group.
set -euo pipefail

usage() {
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

location=""
parameters="infra/main.bicepparam"
package=""
name="hipaa-remediator"
grant_graph=false
subscriptions="${DEPLOY_WATCHED_SUBSCRIPTIONS:-}"
management_group="${DEPLOY_MANAGEMENT_GROUP:-}"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --location) location="${2:?--location needs a region}"; shift 2 ;;
    --parameters) parameters="${2:?--parameters needs a file}"; shift 2 ;;
    --package) package="${2:?--package needs a zip}"; shift 2 ;;
    --name) name="${2:?--name needs a deployment name}"; shift 2 ;;
    --subscriptions) subscriptions="${2:?--subscriptions needs subscription ids}"; shift 2 ;;
    --management-group) management_group="${2:?--management-group needs a name}"; shift 2 ;;
    --grant-graph-permission) grant_graph=true; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "deploy: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$location" ] || { echo "deploy: --location is required" >&2; usage; }

# The scope, checked before anything is built or deployed: GUIDs, and a management group name as
# the service accepts it (HIPAA_REMEDIATOR_MANAGEMENT_GROUPS).
scope=()
if [ -n "$subscriptions" ]; then
  ids=()
  IFS=', ' read -r -a listed <<<"$subscriptions"
  for id in ${listed[@]+"${listed[@]}"}; do
    [ -n "$id" ] || continue
    [[ "$id" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] || { echo "deploy: \"$id\" is not a subscription id" >&2; exit 2; }
    ids+=("\"$(printf '%s' "$id" | tr 'A-F' 'a-f')\"")
  done
  [ "${#ids[@]}" -gt 0 ] || { echo "deploy: --subscriptions names no subscription" >&2; exit 2; }
  scope+=("watchedSubscriptionIds=[$(IFS=,; printf '%s' "${ids[*]}")]")
fi
if [ -n "$management_group" ]; then
  [[ "$management_group" =~ ^[A-Za-z0-9_.()-]{1,90}$ ]] || { echo "deploy: \"$management_group\" is not a management group name (one name: letters, digits, - _ . ( ), at most 90)" >&2; exit 2; }
  scope+=("managementGroupName=$management_group")
fi

cd "$(dirname "$0")/.."
command -v az >/dev/null || { echo "deploy: the Azure CLI (az) is required" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The value of output $2 in the deployment outputs file $1 (empty when absent).
output() {
  node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8") || "{}") ?? {}; const v = o[process.argv[2]]; process.stdout.write(v === undefined || v === null ? "" : String(v.value));' "$1" "$2"
}

# The value of output $2 as JSON (arrays: the watched subscriptions).
output_json() {
  node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8") || "{}") ?? {}; const v = o[process.argv[2]]; process.stdout.write(JSON.stringify(v === undefined || v === null ? null : v.value));' "$1" "$2"
}

step() { printf '\n== %s\n' "$*"; }

if [ -z "$package" ]; then
  step "package"
  npm run package
  package="dist/hipaa-remediator-functions.zip"
fi
[ -f "$package" ] || { echo "deploy: no package at $package" >&2; exit 1; }

# A policy locked by an earlier run cannot be PUT again: find it from that run's outputs.
manage=true
if az deployment sub show --name "$name" --query properties.outputs -o json >"$work/previous.json" 2>/dev/null; then
  rg="$(output "$work/previous.json" resourceGroupName)"
  account="$(output "$work/previous.json" auditStorageAccountName)"
  container="$(output "$work/previous.json" auditContainerName)"
  if [ -n "$rg" ] && [ -n "$account" ] && [ -n "$container" ]; then
    state="$(az storage container immutability-policy show --resource-group "$rg" --account-name "$account" --container-name "$container" --query state -o tsv 2>/dev/null || true)"
    if [ "$state" = "Locked" ]; then
      manage=false
      echo "audit policy of $account/$container is locked: leaving it as it is (manageAuditPolicy=false)"
    fi
  fi
fi

deploy_infra() { # $1: deployment name, $2: subscribeToResourceEvents, $3: outputs file
  az deployment sub create --name "$1" --location "$location" \
    --template-file infra/main.bicep --parameters "$parameters" \
    --parameters ${scope[@]+"${scope[@]}"} subscribeToResourceEvents="$2" manageAuditPolicy="$manage" ${extra[@]+"${extra[@]}"} \
    --query properties.outputs -o json >"$3"
}

step "infrastructure (without the event subscriptions)"
deploy_infra "$name-infra" false "$work/infra.json"
rg="$(output "$work/infra.json" resourceGroupName)"
app="$(output "$work/infra.json" functionAppName)"
[ -n "$rg" ] && [ -n "$app" ] || { echo "deploy: the deployment returned no resource group or app name" >&2; exit 1; }

# The management group the template watches (the flag, or the parameters file): the custom role
# goes there, which a subscription-scope deployment cannot do.
mg="$(output "$work/infra.json" managementGroupName)"
if [ -n "$mg" ]; then
  step "custom role on management group $mg"
  az deployment mg create --name "$name-role" --location "$location" --management-group-id "$mg" \
    --template-file infra/modules/managementGroupRole.bicep \
    --parameters principalId="$(output "$work/infra.json" functionPrincipalId)" subscriptionIds="$(output_json "$work/infra.json" watchedSubscriptionIds)" \
    --query properties.outputs -o json >"$work/role.json"
fi

step "code: $package -> $app"
az functionapp deployment source config-zip --resource-group "$rg" --name "$app" --src "$package"
for attempt in $(seq 1 30); do
  if [ "$(az functionapp function show --resource-group "$rg" --name "$app" --function-name onResourceChange --query name -o tsv 2>/dev/null || true)" != "" ]; then
    break
  fi
  if [ "$attempt" = 30 ]; then
    echo "deploy: onResourceChange did not appear in $app after 5 minutes" >&2
    exit 1
  fi
  sleep 10
done

step "event subscriptions"
deploy_infra "$name" true "$work/final.json"

account="$(output "$work/final.json" auditStorageAccountName)"
container="$(output "$work/final.json" auditContainerName)"
principal="$(output "$work/final.json" functionPrincipalId)"
if [ "$(output "$work/final.json" lockAuditPolicy)" = "true" ] && [ "$manage" = true ]; then
  step "audit policy lock (irreversible)"
  state="$(az storage container immutability-policy show --resource-group "$rg" --account-name "$account" --container-name "$container" --query state -o tsv)"
  if [ "$state" = "Unlocked" ]; then
    etag="$(az storage container immutability-policy show --resource-group "$rg" --account-name "$account" --container-name "$container" --query etag -o tsv)"
    az storage container immutability-policy lock --resource-group "$rg" --account-name "$account" --container-name "$container" --if-match "$etag" >/dev/null
    echo "locked: $account/$container"
  else
    echo "policy state is ${state:-unknown}: nothing to lock"
  fi
fi

graph_app="00000003-0000-0000-c000-000000000000"
if [ "$grant_graph" = true ]; then
  step "Microsoft Graph Directory.Read.All for $principal"
  graph_sp="$(az ad sp show --id "$graph_app" --query id -o tsv)"
  role_id="$(az ad sp show --id "$graph_app" --query "appRoles[?value=='Directory.Read.All'].id | [0]" -o tsv)"
  granted="$(az rest --method GET --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$principal/appRoleAssignments" --query "length(value[?appRoleId=='$role_id'])" -o tsv)"
  if [ "$granted" = "0" ]; then
    az rest --method POST --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$principal/appRoleAssignments" \
      --headers Content-Type=application/json \
      --body "{\"principalId\":\"$principal\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role_id\"}" >/dev/null
    echo "granted"
  else
    echo "already granted"
  fi
fi

step "done"
echo "resource group:  $rg"
echo "function app:    $app"
echo "identity:        $principal"
echo "alerts topic:    $(output "$work/final.json" alertTopicId)"
if [ "$grant_graph" != true ]; then
  echo "next: an administrator grants Microsoft Graph Directory.Read.All to $principal (infra/README.md; or rerun with --grant-graph-permission)"
fi
echo "watched:         $(output "$work/final.json" watchedSubscriptionIds)${mg:+ and management group $mg}"
echo "next: route alerts with event subscriptions on the alerts topic (infra/README.md)"
if [ -n "$mg" ]; then
  echo "next: for subscriptions added to $mg later, assign infra/policy/deploy-event-subscription.json there (infra/README.md, \"Subscriptions added later\") with"
  echo "      functionAppId=$(output "$work/final.json" functionAppId)"
  echo "      deadLetterStorageAccountId=$(output "$work/final.json" deadLetterStorageAccountId)"
  echo "      deadLetterIdentityId=$(output "$work/final.json" policyDeadLetterIdentityId)"
fi
