"""A live vCenter (pyVmomi, read-only) into an ImportResult.

One session: log in, read every datacenter's clusters, hosts and VMs through the
PropertyCollector over container views (one filter per datacenter, paged 1,000 objects
at a time, so a 40,000-VM vCenter takes about 45 round trips and holds one page of raw
objects at a time), log out on every path.

What each vSphere property becomes is in docs/collect.md. Sizes come in MiB (memoryMB,
quickStats, memoryAllocation) or bytes (memorySize) and are kept exact, in bytes.
pyVmomi is imported here only, so a memplan without the ``vcenter`` extra starts as fast
as before and only ``collect vcenter`` needs it.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from memplan.errors import MemplanError, UsageError
from memplan.esxi import DEFAULT_SYSTEM_RESERVED
from memplan.importers.common import ClusterRecord, HostRecord, ImportResult, VMRecord, mib

PAGE = 1000
"""Objects per PropertyCollector page: big enough for few round trips, small enough that
one page of a large vCenter's VMs (their extraConfig included) stays a few MB."""

TIMEOUT = 60
"""Seconds to wait for the server to answer one call."""

HOST_PATHS = [
    "name",
    "parent",
    "summary.hardware.memorySize",
    "summary.config.product.version",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "summary.quickStats.overallMemoryUsage",
]
VM_PATHS = [
    "name",
    "runtime.host",
    "runtime.powerState",
    "config.template",
    "config.hardware.memoryMB",
    "config.hardware.numCPU",
    "config.instanceUuid",
    "config.memoryAllocation",
    "summary.quickStats.hostMemoryUsage",
    "summary.quickStats.guestMemoryUsage",
    "summary.quickStats.consumedOverheadMemory",
    "summary.quickStats.balloonedMemory",
    "summary.quickStats.swappedMemory",
]
CLUSTER_PATHS = ["name", "configurationEx"]
MAXMEMCTL = 'config.extraConfig["sched.mem.maxmemctl"]'
"""One extraConfig option by its key: a real VM has dozens of options, and reading them all
would cost most of the collection's time. Servers that do not take a key in a property
path (Debian's govmomi simulator) get ALL_OPTIONS instead."""
ALL_OPTIONS = "config.extraConfig"

Progress = Callable[[str, int, int], None]
"""Called with (what, objects read, objects in all) as pages arrive."""


class CollectError(MemplanError):
    """The server could not be reached, trusted or logged in to (exit 4), in one line."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to connect; the password travels separately and is never stored."""

    host: str
    port: int
    username: str
    ca_files: tuple[str, ...] = ()
    """PEM files of the CAs to trust instead of the system's."""
    insecure: bool = False

    @property
    def server(self) -> str:
        return self.host if self.port == 443 else f"{self.host}:{self.port}"


def parse_server(url: str) -> tuple[str, int, str | None, str | None]:
    """Host, port, and any user and password in ``url``: 'vc.example', 'vc.example:8443',
    'https://vc.example/sdk' or govc's 'https://user:pass@vc.example/sdk'."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port or 443
    except ValueError as exc:
        raise UsageError(f"--server {url!r}: not a host name or URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"--server {url!r}: give a host name or an https:// URL")
    return parts.hostname, port, parts.username, parts.password


def ssl_context(target: Target) -> ssl.SSLContext:
    """Verified TLS (system trust, or only the given CA files), or none with --insecure."""
    if target.insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if not target.ca_files:
        return ssl.create_default_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for path in target.ca_files:
        try:
            context.load_verify_locations(cafile=path)
        except FileNotFoundError:
            raise UsageError(f"--ca-file {path}: no such file") from None
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"--ca-file {path}: not a PEM certificate file ({exc})") from None
    return context


def _connect(target: Target, password: str) -> Any:
    try:
        from pyVim.connect import SmartConnect
        from pyVmomi import vim, vmodl
    except ImportError:  # pragma: no cover - the extra is installed in tests
        raise UsageError("collect vcenter needs pyVmomi: pip install 'memplan[vcenter]'") from None
    where = f"vCenter {target.server}"
    try:
        return SmartConnect(  # type: ignore[no-untyped-call]
            host=target.host,
            port=target.port,
            user=target.username,
            pwd=password,
            sslContext=ssl_context(target),
            httpConnectionTimeout=TIMEOUT,
        )
    except vim.fault.InvalidLogin:
        raise CollectError(
            f"{where}: login failed for {target.username!r}: wrong user name or password"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        hint = "give the CA with --ca-file PEM" if not target.ca_files else "check --ca-file"
        raise CollectError(
            f"{where}: TLS certificate not trusted: {exc.verify_message} ({hint})"
        ) from None
    except ssl.SSLError as exc:
        raise CollectError(f"{where}: TLS handshake failed: {exc.reason or exc}") from None
    except socket.gaierror as exc:
        raise CollectError(f"{where}: cannot resolve {target.host!r}: {exc.strerror}") from None
    except TimeoutError:
        raise CollectError(f"{where}: no answer within {TIMEOUT} s") from None
    except OSError as exc:
        raise CollectError(f"{where}: unreachable: {exc.strerror or exc}") from None
    except http.client.HTTPException as exc:
        raise CollectError(f"{where}: not a vSphere API endpoint ({type(exc).__name__})") from None
    except vmodl.MethodFault as exc:
        raise CollectError(
            f"{where}: login refused: {getattr(exc, 'msg', None) or type(exc).__name__}"
        ) from None
    except Exception as exc:  # pyVmomi raises bare Exception for a server that is not vSphere
        raise CollectError(f"{where}: not a vSphere API endpoint ({exc})") from None


def collect(
    target: Target,
    password: str,
    *,
    datacenter: str | None = None,
    clusters: tuple[str, ...] = (),
    progress: Progress | None = None,
    history_since: datetime | None = None,
) -> tuple[ImportResult, History | None]:
    """Read ``target`` into an ImportResult, and with ``history_since`` the daily history
    of every host and VM read since then; CollectError for any connection problem."""
    from pyVim.connect import Disconnect
    from pyVmomi import vmodl

    collecting = gc.isenabled()
    gc.enable()  # pyVmomi's objects hold reference cycles: without the collector (the CLI
    # turns it off) every page read would stay in memory to the end
    si = _connect(target, password)
    try:
        result, refs = _read(si, target, datacenter, clusters, progress)
        past = None
        if history_since is not None:
            past = _history(si, refs, history_since, progress)
        return result, past
    except CollectError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise CollectError(f"vCenter {target.server}: connection lost: {exc}") from None
    except vmodl.MethodFault as exc:  # e.g. NoPermission: the role lacks System.Read somewhere
        detail = getattr(exc, "msg", None) or ""
        raise CollectError(
            f"vCenter {target.server}: refused: {type(exc).__name__.rsplit('.', 1)[-1]}"
            + (f": {detail}" if detail else "")
        ) from None
    finally:
        with contextlib.suppress(Exception):  # a session the server already dropped
            Disconnect(si)  # type: ignore[no-untyped-call]
        if not collecting:
            gc.disable()


def _pc() -> Any:
    from pyVmomi import vmodl

    return vmodl.query.PropertyCollector


def _pages(si: Any, root: Any, specs: list[tuple[Any, list[str]]]) -> Iterator[Any]:
    """Every object of the given types under ``root`` with the given properties, one page
    (RetrievePropertiesEx / ContinueRetrievePropertiesEx) at a time."""
    from pyVmomi import vim

    content = si.content
    pc = _pc()
    view = content.viewManager.CreateContainerView(root, [t for t, _ in specs], True)
    try:
        traverse = pc.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView
        )
        spec = pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[traverse])],
            propSet=[pc.PropertySpec(type=t, pathSet=paths) for t, paths in specs],
        )
        collector = content.propertyCollector
        page = collector.RetrievePropertiesEx([spec], pc.RetrieveOptions(maxObjects=PAGE))
        while page is not None:
            yield from page.objects
            token = page.token
            if not token:
                break
            page = None  # the next page replaces this one, not joins it
            page = collector.ContinueRetrievePropertiesEx(token)
    finally:
        view.DestroyView()


def _props(obj: Any) -> dict[str, Any]:
    return {p.name: p.val for p in obj.propSet}


def _key(ref: Any) -> str:
    return str(ref._moId)


@dataclass
class _DC:
    name: str
    ref: Any


def _read(
    si: Any,
    target: Target,
    datacenter: str | None,
    wanted: tuple[str, ...],
    progress: Progress | None,
) -> tuple[ImportResult, dict[str, str]]:
    from pyVmomi import vim

    content = si.content
    collected = si.CurrentTime()
    result = ImportResult(f"vCenter {target.server}")
    if isinstance(collected, datetime):
        result.collected = collected.astimezone(UTC).replace(microsecond=0)
    dcs = [
        _DC(_props(o)["name"], o.obj)
        for o in _pages(si, content.rootFolder, [(vim.Datacenter, ["name"])])
    ]
    if datacenter is not None:
        dcs = [d for d in dcs if d.name == datacenter]
        if not dcs:
            raise UsageError(f"--datacenter {datacenter!r}: no such datacenter in vCenter")
    total = 0
    if progress is not None:
        total = sum(
            len(content.viewManager.CreateContainerView(d.ref, [vim.VirtualMachine], True).view)
            for d in dcs
        )
    seen = 0
    found_clusters: set[str] = set()  # cluster names as vCenter gives them
    dcs_of: dict[str, list[str]] = {}  # cluster name -> the datacenters that have one
    cluster_names: dict[str, str] = {}  # cluster moref -> name in the inventory
    host_names: dict[str, str] = {}  # host moref -> name
    excluded: set[str] = set()  # hosts of clusters not asked for
    vm_refs: list[tuple[VMRecord, str]] = []  # each VM kept, not a template, and its moref
    refs: dict[str, str] = {}  # "host NAME" / "vm NAME" -> moref id, for the history
    options: str | None = None  # MAXMEMCTL or ALL_OPTIONS
    for dc in dcs:
        hosts_here: list[tuple[str, dict[str, Any]]] = []
        for obj in _pages(
            si, dc.ref, [(vim.ClusterComputeResource, CLUSTER_PATHS), (vim.HostSystem, HOST_PATHS)]
        ):
            props = _props(obj)
            if isinstance(obj.obj, vim.ClusterComputeResource):
                name = str(props.get("name"))
                dcs_of.setdefault(name, []).append(str(dc.name))
                if name in found_clusters:  # kept apart, as the RVTools import does
                    name = f"{name} ({dc.name})"
                found_clusters.add(str(props.get("name")))
                if wanted and props.get("name") not in wanted:
                    continue
                cluster_names[_key(obj.obj)] = name
                result.clusters[name] = _cluster(name, props.get("configurationEx"))
            else:
                hosts_here.append((_key(obj.obj), props))
        for key, props in hosts_here:
            parent = props.get("parent")
            cluster = None
            if isinstance(parent, vim.ClusterComputeResource):
                cluster = cluster_names.get(_key(parent))
                if cluster is None:  # a cluster not asked for
                    excluded.add(key)
                    continue
            elif wanted:
                excluded.add(key)
                continue
            host = _host(props, cluster, result)
            if host is not None and result.keep_host(host):
                host_names[key] = host.name
                refs[f"host {host.name}"] = key
        for c in result.clusters.values():
            c.failover_hosts = tuple(host_names.get(h, h) for h in c.failover_hosts)
        if options is None:
            options = _options_path(si, dc.ref)
        for obj in _pages(si, dc.ref, [(vim.VirtualMachine, [*VM_PATHS, options])]):
            seen += 1
            if progress is not None and seen % 100 == 0:
                progress("reading VMs", seen, max(total, seen))
            kept = _vm(_props(obj), host_names, excluded, result)
            if kept is not None and not kept.template:
                vm_refs.append((kept, _key(obj.obj)))
    if wanted:
        missing = [c for c in wanted if c not in found_clusters]
        if missing:
            raise UsageError(f"--cluster {missing[0]!r}: no such cluster in vCenter")
    _qualify_first(result, {n: dcs for n, dcs in dcs_of.items() if len(dcs) > 1})
    result.distinct_names()  # one name in two folders: two VMs, renamed 'NAME (UUID)'
    still = {id(vm) for vm in result.vms}
    refs.update((f"vm {vm.name}", ref) for vm, ref in vm_refs if id(vm) in still)
    if progress is not None:
        progress("reading VMs", seen, max(total, seen))
    return result, refs


def _qualify_first(result: ImportResult, repeated: dict[str, list[str]]) -> None:
    """Name the first of the clusters that share a name across datacenters (``repeated``:
    name -> datacenters) ``NAME (DATACENTER)`` too, as the later ones already are: no
    cluster's name depends on the order datacenters are read in, and an estate's clusters
    are named as its RVTools export's import names them. One note per name says so."""
    for name, dcs in sorted(repeated.items()):
        qualified = f"{name} ({dcs[0]})"
        record = result.clusters.pop(name, None)
        if record is not None:
            record.name = qualified
            result.clusters[qualified] = record
        for host in result.hosts:
            if host.cluster == name:
                host.cluster = qualified
        apart = ", ".join(f"'{name} ({dc})'" for dc in sorted(dcs))
        result.repair(
            "cluster-datacenters",
            f"cluster name {name} is used in {len(dcs)} datacenters: kept apart as {apart},"
            " each with its own hosts and HA settings",
        )


def _options_path(si: Any, root: Any) -> str:
    """MAXMEMCTL if the server takes a key in a property path, else ALL_OPTIONS: asked of
    one VM (a server that does not reports the path as an invalid property)."""
    from pyVmomi import vim, vmodl

    pc = _pc()
    content = si.content
    view = content.viewManager.CreateContainerView(root, [vim.VirtualMachine], True)
    try:
        traverse = pc.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView
        )
        spec = pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[traverse])],
            propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=[MAXMEMCTL])],
        )
        try:
            page = content.propertyCollector.RetrievePropertiesEx(
                [spec], pc.RetrieveOptions(maxObjects=1)
            )
        except vmodl.query.InvalidProperty:
            return ALL_OPTIONS
        if page is not None and page.token:
            content.propertyCollector.CancelRetrievePropertiesEx(page.token)
        for obj in page.objects if page is not None else ():
            for missing in obj.missingSet or ():
                if isinstance(missing.fault, vmodl.query.InvalidProperty):
                    return ALL_OPTIONS
        return MAXMEMCTL
    finally:
        view.DestroyView()


def _cluster(name: str, config: Any) -> ClusterRecord:
    from pyVmomi import vim

    record = ClusterRecord(name)
    drs = getattr(config, "drsConfig", None)
    if drs is not None and drs.enabled is not None:
        record.drs_enabled = bool(drs.enabled)
        record.drs_behavior = str(drs.defaultVmBehavior) if drs.defaultVmBehavior else None
    das = getattr(config, "dasConfig", None)
    if das is None:
        return record
    record.ha_enabled = bool(das.enabled)
    record.admission_control = bool(das.admissionControlEnabled)
    policy = das.admissionControlPolicy
    failures = das.failoverLevel or None
    if isinstance(policy, vim.cluster.FailoverLevelAdmissionControlPolicy):
        record.policy = "slots"
        failures = policy.failoverLevel
    elif isinstance(policy, vim.cluster.FailoverResourcesAdmissionControlPolicy):
        if policy.autoComputePercentages:
            record.policy = "host-failures"
            failures = policy.failoverLevel or failures
        else:
            record.policy = "percentage"
            record.percentage = policy.memoryFailoverResourcesPercent
    elif isinstance(policy, vim.cluster.FailoverHostAdmissionControlPolicy):
        record.policy = "dedicated"
        record.failover_hosts = tuple(_key(h) for h in policy.failoverHosts or ())
    else:
        record.policy = "host-failures"
    record.failures = failures
    return record


def _host(props: dict[str, Any], cluster: str | None, result: ImportResult) -> HostRecord | None:
    name = props.get("name")
    where = f"host {name}"
    size = props.get("summary.hardware.memorySize")
    if not name:
        result.skip("skip-no-name", "a host without a name")
        return None
    if not isinstance(size, int) or size <= DEFAULT_SYSTEM_RESERVED:
        result.skip("skip-no-room", f"{where}: memorySize {size} leaves nothing for VMs")
        return None
    record = HostRecord(str(name), None, size, cluster, None, where)
    version = props.get("summary.config.product.version")
    record.esxi = str(version) if version else None
    connection = str(props.get("runtime.connectionState") or "connected")
    if props.get("runtime.inMaintenanceMode"):
        record.maintenance = True
        result.repair("host-maintenance", f"{where}: in maintenance mode; planned with no capacity")
    elif connection != "connected":
        record.maintenance = True
        result.repair("host-disconnected", f"{where}: {connection}; planned with no capacity")
    usage = props.get("summary.quickStats.overallMemoryUsage")
    if isinstance(usage, int) and usage > 0 and not record.maintenance:
        record.observed_consumed = min(mib(usage), size)
        record.observed_source = "vCenter quickStats"
    return record


def _vm(
    props: dict[str, Any],
    host_names: dict[str, str],
    excluded: set[str],
    result: ImportResult,
) -> VMRecord | None:
    """The VM ``props`` describe, kept in ``result``; None when skipped or not asked for."""
    result.rows_read += 1
    name = props.get("name")
    where = f"VM {name}"
    host_ref = props.get("runtime.host")
    if host_ref is None or _key(host_ref) not in host_names:
        if host_ref is None or _key(host_ref) not in excluded:
            result.skip(
                "skip-unknown-host",
                f"{where}: runtime.host {_key(host_ref) if host_ref else None} is not among the hosts read",
            )
        return None  # on a host of a cluster not asked for
    memory = props.get("config.hardware.memoryMB")
    if not name:
        result.skip("skip-no-name", "a VM without a name")
        return None
    if not isinstance(memory, int) or memory <= 0:
        result.skip(
            "skip-no-memory", f"{where}: no config.hardware.memoryMB (inaccessible or orphaned)"
        )
        return None
    vm = VMRecord(str(name), memory=mib(memory), source=where)
    vm.host = host_names[_key(host_ref)]
    vm.vcpus = int(props.get("config.hardware.numCPU") or 1)
    vm.template = bool(props.get("config.template"))
    vm.power = str(props.get("runtime.powerState")) == "poweredOn"
    vm.uuid = str(props["config.instanceUuid"]) if props.get("config.instanceUuid") else None
    alloc = props.get("config.memoryAllocation")
    if alloc is not None:
        if alloc.reservation and alloc.reservation > 0:
            vm.reservation = mib(alloc.reservation)
        if alloc.limit is not None and alloc.limit >= 0:
            vm.limit = mib(alloc.limit)
        if alloc.shares is not None:
            vm.shares_level = str(alloc.shares.level)
            vm.shares = int(alloc.shares.shares) if alloc.shares.shares is not None else None
    found = props.get(MAXMEMCTL, props.get(ALL_OPTIONS))
    for option in (found if isinstance(found, list) else [found]) if found is not None else ():
        if option.key == "sched.mem.maxmemctl":
            try:
                value = int(str(option.value).strip())
            except ValueError:
                result.repair(
                    "maxmemctl-unreadable",
                    f"{where}: sched.mem.maxmemctl {option.value!r} is not a number; ignored",
                )
                continue
            vm.balloon_max = mib(value) if value >= 0 else None
    if vm.power and not vm.template:
        stats = {
            f: props.get(f"summary.quickStats.{p}")
            for f, p in (
                ("consumed", "hostMemoryUsage"),
                ("active", "guestMemoryUsage"),
                ("overhead", "consumedOverheadMemory"),
                ("ballooned", "balloonedMemory"),
                ("swapped", "swappedMemory"),
            )
        }
        for field, figure in stats.items():
            if isinstance(figure, int) and figure >= 0:
                setattr(vm, field, mib(figure))
        if vm.overhead is not None and vm.consumed is not None:  # hostMemoryUsage includes it
            vm.consumed = max(0, vm.consumed - vm.overhead)
        if vm.overhead == 0:
            vm.overhead = None  # not measured: memplan estimates it
        if vm.active is not None and vm.memory is not None and vm.active > vm.memory:
            result.repair(
                "active-above-memory", f"{where}: guestMemoryUsage above configured memory; capped"
            )
            vm.active = vm.memory
    return vm if result.keep_vm(vm) else None


# --- history: PerformanceManager daily rollups -------------------------------------------

COUNTERS = ("mem.consumed.average", "mem.active.average")
"""Daily rollups read for the history (KB, level 1: collected at vCenter's default
statistics level). A VM's consumed excludes its overhead; a host's counts everything the
host uses, VMkernel included, as quickStats' overallMemoryUsage does."""

DAY = 86400
"""The historical interval of vCenter's "past year" statistics: one sample a day."""

PERCENTILE = 95
"""Each month keeps the 95th percentile of its daily figures: planning for the busy days
of the month, not its average, while one freak day does not set the month."""

QUERY_BATCH = 100
"""Entities per QueryPerf call."""


def percentile(values: list[int], pct: int = PERCENTILE) -> int:
    """The nearest-rank percentile: the smallest value with at least ``pct`` % of the
    values at or below it (20 values: the 19th smallest at 95 %)."""
    ordered = sorted(values)
    rank = -(-pct * len(ordered) // 100)  # ceil(pct/100 * n), in integers
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True, slots=True)
class Month:
    """One month of history: per host and VM the percentile of its daily figures."""

    month: str
    """YYYY-MM."""
    last: date
    """The last day with a sample: the snapshot's date."""
    days: int
    """Days with a sample."""
    consumed: dict[str, int]
    """'vm NAME' / 'host NAME' -> bytes."""
    active: dict[str, int]
    """'vm NAME' -> bytes."""


History = list[Month]


def _history(si: Any, refs: dict[str, Any], since: datetime, progress: Progress | None) -> History:
    """Daily mem.consumed and mem.active of every entity in ``refs`` since ``since``,
    reduced per month as soon as each batch arrives (memory: a few figures per entity)."""
    from pyVmomi import vim

    manager = si.content.perfManager
    perf: Any = vim.PerformanceManager
    keys = {
        f"{c.groupInfo.key}.{c.nameInfo.key}.{c.rollupType}": c.key for c in manager.perfCounter
    }
    missing = [c for c in COUNTERS if c not in keys]
    if missing:
        raise CollectError(f"vCenter has no performance counter {missing[0]}")
    consumed_key, active_key = keys[COUNTERS[0]], keys[COUNTERS[1]]
    metrics = [perf.MetricId(counterId=k, instance="") for k in (consumed_key, active_key)]
    per: dict[str, dict[str, tuple[list[int], list[int]]]] = {}  # month -> entity -> values
    lasts: dict[str, date] = {}
    days: dict[str, set[date]] = {}
    names = list(refs)
    for start in range(0, len(names), QUERY_BATCH):
        batch = names[start : start + QUERY_BATCH]
        specs = [
            perf.QuerySpec(
                entity=_entity(n, refs[n], si),
                metricId=metrics,
                intervalId=DAY,
                startTime=since,
                format="normal",
            )
            for n in batch
        ]
        raw: dict[str, dict[str, tuple[list[int], list[int]]]] = {}
        for name, result in zip(batch, manager.QueryPerf(querySpec=specs) or (), strict=False):
            stamps = [
                (s.timestamp.astimezone(UTC) - timedelta(seconds=s.interval or DAY)).date()
                for s in result.sampleInfo or ()
            ]
            for series in result.value or ():
                which = 0 if series.id.counterId == consumed_key else 1
                for day, value in zip(stamps, series.value, strict=False):
                    if value is None or value < 0:
                        continue  # -1: no sample that day
                    month = day.strftime("%Y-%m")
                    figures = raw.setdefault(month, {}).setdefault(name, ([], []))
                    figures[which].append(int(value) * 1024)
                    lasts[month] = max(lasts.get(month, day), day)
                    days.setdefault(month, set()).add(day)
        for month, entities in raw.items():
            target = per.setdefault(month, {})
            for name, (c, a) in entities.items():
                target[name] = ([percentile(c)] if c else [], [percentile(a)] if a else [])
        if progress is not None:
            progress("reading history", min(start + QUERY_BATCH, len(names)), len(names))
    months: History = []
    for month in sorted(per):
        entities = per[month]
        months.append(
            Month(
                month,
                lasts[month],
                len(days[month]),
                {n: c[0] for n, (c, _) in entities.items() if c},
                {n: a[0] for n, (_, a) in entities.items() if a and n.startswith("vm ")},
            )
        )
    return months


def _entity(name: str, key: str, si: Any) -> Any:
    """The managed object ``key`` of the kind ``name`` says ('host ...' or 'vm ...')."""
    from pyVmomi import vim

    kind = vim.HostSystem if name.startswith("host ") else vim.VirtualMachine
    return kind(key, si._stub)


def snapshot(result: ImportResult, month: Month) -> ImportResult:
    """``result`` as it was in ``month``: each VM's consumed and active are the month's
    percentile, hosts' observed usage too; VMs without a sample that month (created
    later, or off all month) are left out, and so is what only today's quickStats say
    (ballooned, swapped)."""
    past = ImportResult(f"{result.source} history {month.month}")
    past.collected = datetime(month.last.year, month.last.month, month.last.day, tzinfo=UTC)
    past.clusters = result.clusters
    for h in result.hosts:
        usage = month.consumed.get(f"host {h.name}")
        past.hosts.append(
            replace(
                h,
                observed_consumed=None if usage is None else min(usage, h.installed or usage),
                observed_ballooned=None,
                observed_swapped=None,
                observed_source=f"vCenter daily history, {PERCENTILE}th percentile of {month.month}"
                if usage is not None
                else "",
            )
        )
    for v in result.vms:
        consumed = month.consumed.get(f"vm {v.name}")
        if consumed is None:
            continue
        active = month.active.get(f"vm {v.name}")
        memory = v.memory or 0
        past.vms.append(
            replace(
                v,
                power=True,
                consumed=min(consumed, memory),
                active=None if active is None else min(active, memory),
                ballooned=None,
                swapped=None,
            )
        )
    return past
