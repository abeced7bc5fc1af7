// memplan's vCenter simulator for tests and benchmarks: govmomi's simulator package
// (the library Debian ships as golang-github-vmware-govmomi-dev; Debian has no vcsim
// command) serving the vSphere SOAP API over TLS with a CA generated at start-up.
//
// Build (GOPATH mode, as tests/vcsim_server.py does):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o build/vcsim tests/vcsim/main.go
//
// Run:
//
//	vcsim -listen 127.0.0.1:0 -username u -password p -ca-out ca.pem (-spec inv.json | -generate 20,50,1000)
//
// It prints one JSON line on stdout, {"url": "https://127.0.0.1:PORT/sdk"}, once the
// inventory is built, and serves until its stdin closes (so it never outlives the test
// that started it) or it gets SIGTERM.
//
// -spec builds exactly the inventory a JSON file describes (see the spec types below:
// clusters with HA/DRS settings, hosts with memory, ESXi version, state and quickStats,
// VMs with memory settings, quickStats, instance UUID and extraConfig). vcsim has no API
// to set quickStats, memory sizes or host states, so this program sets them on the
// simulator's objects directly, before it reports ready.
//
// -perf adds daily-rollup performance history for mem.consumed.average and
// mem.active.average: the spec's "perf" series per entity name, served by a
// PerformanceManager that replaces vcsim's (whose samples are random noise).
//
// -generate C,H,V builds vcsim's own model: C clusters of H hosts, V VMs per cluster,
// with varied memory figures (for benchmarks/collect_vcenter.py).
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Spec is the inventory to build.
type Spec struct {
	Datacenter string        `json:"datacenter"`
	Clusters   []ClusterSpec `json:"clusters"`
	Hosts      []HostSpec    `json:"hosts"` // standalone
	// Perf: entity name -> counter name ("mem.consumed.average") -> daily values (KB),
	// oldest first, the last one yesterday.
	Perf map[string]map[string][]int64 `json:"perf"`
	// More datacenters, each built as this one is (their own perf is ignored).
	More []Spec `json:"datacenters"`
}

// ClusterSpec is a cluster with its HA and DRS configuration.
type ClusterSpec struct {
	Name  string     `json:"name"`
	HA    *HASpec    `json:"ha"`
	DRS   *DRSSpec   `json:"drs"`
	Hosts []HostSpec `json:"hosts"`
}

// HASpec is dasConfig.
type HASpec struct {
	Enabled          bool     `json:"enabled"`
	AdmissionControl bool     `json:"admission_control"`
	Policy           string   `json:"policy"` // failover-level | percentage | dedicated | none
	FailoverLevel    int32    `json:"failover_level"`
	MemoryPercent    int32    `json:"memory_percent"`
	CPUPercent       int32    `json:"cpu_percent"`
	AutoCompute      bool     `json:"auto_compute"`
	FailoverHosts    []string `json:"failover_hosts"`
}

// DRSSpec is drsConfig.
type DRSSpec struct {
	Enabled  bool   `json:"enabled"`
	Behavior string `json:"behavior"` // manual | partiallyAutomated | fullyAutomated
}

// HostSpec is a host and its VMs.
type HostSpec struct {
	Name        string   `json:"name"`
	MemorySize  int64    `json:"memory_size"` // bytes
	Version     string   `json:"version"`
	Connection  string   `json:"connection"` // connected | disconnected | notResponding
	Maintenance bool     `json:"maintenance"`
	MemoryUsage int32    `json:"overall_memory_usage"` // MiB
	VMs         []VMSpec `json:"vms"`
}

// VMSpec is a VM.
type VMSpec struct {
	Name            string  `json:"name"`
	MemoryMB        int64   `json:"memory_mb"`
	VCPUs           int32   `json:"vcpus"`
	Power           string  `json:"power"` // poweredOn | poweredOff
	Template        bool    `json:"template"`
	Reservation     *int64  `json:"reservation"` // MiB
	Limit           *int64  `json:"limit"`       // MiB, -1 unlimited
	SharesLevel     string  `json:"shares_level"`
	Shares          int32   `json:"shares"`
	HostMemoryUsage int32   `json:"host_memory_usage"`
	GuestMemUsage   int32   `json:"guest_memory_usage"`
	Overhead        int32   `json:"consumed_overhead_memory"`
	Ballooned       int32   `json:"ballooned_memory"`
	Swapped         int32   `json:"swapped_memory"`
	InstanceUUID    string  `json:"instance_uuid"`
	MaxMemCtl       *string `json:"maxmemctl"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

// certificates makes a CA (written to caOut as PEM) and a server certificate for
// 127.0.0.1 and localhost signed by it.
func certificates(caOut string) tls.Certificate {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err, "CA key")
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "memplan test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	check(err, "CA certificate")
	caCert, err := x509.ParseCertificate(caDER)
	check(err, "CA certificate")
	check(ioutil.WriteFile(caOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644), "write CA")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err, "server key")
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	check(err, "server certificate")
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
}

func wait(ctx context.Context, task *object.Task, err error, what string) types.ManagedObjectReference {
	check(err, what)
	info, err := task.WaitForResult(ctx, nil)
	check(err, what)
	if ref, ok := info.Result.(types.ManagedObjectReference); ok {
		return ref
	}
	return types.ManagedObjectReference{}
}

type builder struct {
	ctx     context.Context
	c       *govmomi.Client
	folders *object.DatacenterFolders
	dsDir   string
	hosts   map[string]types.ManagedObjectReference
	names   map[string]types.ManagedObjectReference // every entity by name, for perf
}

func (b *builder) host(h HostSpec, add func(types.HostConnectSpec) (*object.Task, error), pool func(*object.HostSystem) *object.ResourcePool) {
	task, err := add(types.HostConnectSpec{HostName: h.Name})
	ref := wait(b.ctx, task, err, "add host "+h.Name)
	host := object.NewHostSystem(b.c.Client, ref)
	dss, err := host.ConfigManager().DatastoreSystem(b.ctx)
	check(err, "datastore system")
	_, err = dss.CreateLocalDatastore(b.ctx, "LocalDS_0", b.dsDir)
	check(err, "datastore")
	b.hosts[h.Name] = ref
	b.names[h.Name] = ref
	rp := pool(host)
	for _, v := range h.VMs {
		b.vm(v, host, rp)
	}

	sim := simulator.Map.Get(ref).(*simulator.HostSystem)
	if h.MemorySize > 0 {
		sim.Summary.Hardware.MemorySize = h.MemorySize
		sim.Hardware.MemorySize = h.MemorySize
	}
	if h.Version != "" {
		product := *sim.Summary.Config.Product
		product.Version = h.Version
		product.FullName = "VMware ESXi " + h.Version
		sim.Summary.Config.Product = &product
		sim.Config.Product = product
	}
	if h.Connection != "" {
		sim.Runtime.ConnectionState = types.HostSystemConnectionState(h.Connection)
	}
	sim.Runtime.InMaintenanceMode = h.Maintenance
	sim.Summary.QuickStats.OverallMemoryUsage = h.MemoryUsage
}

func (b *builder) vm(v VMSpec, host *object.HostSystem, pool *object.ResourcePool) {
	config := types.VirtualMachineConfigSpec{
		Name:         v.Name,
		GuestId:      string(types.VirtualMachineGuestOsIdentifierOtherGuest),
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		MemoryMB:     v.MemoryMB,
		NumCPUs:      v.VCPUs,
		InstanceUuid: v.InstanceUUID,
	}
	if v.Reservation != nil || v.Limit != nil || v.SharesLevel != "" {
		alloc := &types.ResourceAllocationInfo{Reservation: v.Reservation, Limit: v.Limit}
		if alloc.Reservation == nil {
			alloc.Reservation = types.NewInt64(0)
		}
		if alloc.Limit == nil {
			alloc.Limit = types.NewInt64(-1)
		}
		level := v.SharesLevel
		if level == "" {
			level = "normal"
		}
		alloc.Shares = &types.SharesInfo{Level: types.SharesLevel(level), Shares: v.Shares}
		config.MemoryAllocation = alloc
	}
	if v.MaxMemCtl != nil {
		config.ExtraConfig = []types.BaseOptionValue{&types.OptionValue{Key: "sched.mem.maxmemctl", Value: *v.MaxMemCtl}}
	}
	task, err := b.folders.VmFolder.CreateVM(b.ctx, config, pool, host)
	ref := wait(b.ctx, task, err, "create VM "+v.Name)
	b.names[v.Name] = ref
	vm := object.NewVirtualMachine(b.c.Client, ref)
	if v.Power == "poweredOn" {
		task, err = vm.PowerOn(b.ctx)
		wait(b.ctx, task, err, "power on "+v.Name)
	}
	if v.Template {
		check(vm.MarkAsTemplate(b.ctx), "template "+v.Name)
	}
	sim := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if v.Shares != 0 && sim.Config.MemoryAllocation != nil && sim.Config.MemoryAllocation.Shares != nil {
		sim.Config.MemoryAllocation.Shares.Shares = v.Shares
	}
	q := &sim.Summary.QuickStats
	q.HostMemoryUsage = v.HostMemoryUsage
	q.GuestMemoryUsage = v.GuestMemUsage
	q.ConsumedOverheadMemory = v.Overhead
	q.BalloonedMemory = v.Ballooned
	q.SwappedMemory = v.Swapped
}

func (b *builder) cluster(cs ClusterSpec) {
	cluster, err := b.folders.HostFolder.CreateCluster(b.ctx, cs.Name, types.ClusterConfigSpecEx{})
	check(err, "create cluster "+cs.Name)
	b.names[cs.Name] = cluster.Reference()
	pool, err := cluster.ResourcePool(b.ctx)
	check(err, "cluster pool")
	for _, h := range cs.Hosts {
		b.host(h, func(spec types.HostConnectSpec) (*object.Task, error) {
			return cluster.AddHost(b.ctx, spec, true, nil, nil)
		}, func(*object.HostSystem) *object.ResourcePool { return pool })
	}
	sim := simulator.Map.Get(cluster.Reference()).(*simulator.ClusterComputeResource)
	cfg := sim.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if cs.HA != nil {
		das := types.ClusterDasConfigInfo{
			Enabled:                 types.NewBool(cs.HA.Enabled),
			AdmissionControlEnabled: types.NewBool(cs.HA.AdmissionControl),
			FailoverLevel:           cs.HA.FailoverLevel,
		}
		switch cs.HA.Policy {
		case "failover-level":
			das.AdmissionControlPolicy = &types.ClusterFailoverLevelAdmissionControlPolicy{FailoverLevel: cs.HA.FailoverLevel}
		case "percentage":
			das.AdmissionControlPolicy = &types.ClusterFailoverResourcesAdmissionControlPolicy{
				CpuFailoverResourcesPercent:    cs.HA.CPUPercent,
				MemoryFailoverResourcesPercent: cs.HA.MemoryPercent,
				FailoverLevel:                  cs.HA.FailoverLevel,
				AutoComputePercentages:         types.NewBool(cs.HA.AutoCompute),
			}
		case "dedicated":
			var refs []types.ManagedObjectReference
			for _, name := range cs.HA.FailoverHosts {
				refs = append(refs, b.hosts[name])
			}
			das.AdmissionControlPolicy = &types.ClusterFailoverHostAdmissionControlPolicy{FailoverHosts: refs}
		}
		cfg.DasConfig = das
	}
	if cs.DRS != nil {
		cfg.DrsConfig = types.ClusterDrsConfigInfo{
			Enabled:           types.NewBool(cs.DRS.Enabled),
			DefaultVmBehavior: types.DrsBehavior(cs.DRS.Behavior),
		}
	}
}

// perfManager replaces vcsim's PerformanceManager: QueryPerf answers from the spec's
// daily series (interval 86400), so history can be compared exactly.
type perfManager struct {
	simulator.PerformanceManager
	series map[types.ManagedObjectReference]map[int32][]int64
	names  map[string]int32
}

func (p *perfManager) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	body := new(methods.QueryPerfBody)
	body.Res = new(types.QueryPerfResponse)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	for _, qs := range req.QuerySpec {
		data := p.series[qs.Entity]
		metrics := &types.PerfEntityMetric{}
		metrics.Entity = qs.Entity
		n := 0
		for _, values := range data {
			if len(values) > n {
				n = len(values)
			}
		}
		for i := 0; i < n; i++ {
			day := today.Add(time.Duration(i-n) * 24 * time.Hour).Add(24 * time.Hour)
			if qs.StartTime != nil && !day.After(*qs.StartTime) {
				continue
			}
			if qs.EndTime != nil && day.After(*qs.EndTime) {
				continue
			}
			metrics.SampleInfo = append(metrics.SampleInfo, types.PerfSampleInfo{Timestamp: day, Interval: 86400})
		}
		skip := n - len(metrics.SampleInfo)
		for _, id := range qs.MetricId {
			values, ok := data[id.CounterId]
			if !ok {
				continue
			}
			series := &types.PerfMetricIntSeries{}
			series.Id = id
			series.Value = append([]int64(nil), values[skip:]...)
			metrics.Value = append(metrics.Value, series)
		}
		if len(metrics.Value) == 0 {
			metrics.SampleInfo = nil
		}
		body.Res.Returnval = append(body.Res.Returnval, metrics)
	}
	return body
}

func counterName(c types.PerfCounterInfo) string {
	return c.GroupInfo.GetElementDescription().Key + "." + c.NameInfo.GetElementDescription().Key + "." + string(c.RollupType)
}

func installPerf(spec *Spec, names map[string]types.ManagedObjectReference) {
	ref := simulator.Map.Get(*vpx.ServiceContent.PerfManager)
	orig := ref.(*simulator.PerformanceManager)
	p := &perfManager{PerformanceManager: *orig, series: map[types.ManagedObjectReference]map[int32][]int64{}, names: map[string]int32{}}
	for _, c := range orig.PerfCounter {
		p.names[counterName(c)] = c.Key
	}
	for entity, counters := range spec.Perf {
		ref, ok := names[entity]
		if !ok {
			fail("perf: no entity %q", entity)
		}
		p.series[ref] = map[int32][]int64{}
		for name, values := range counters {
			key, ok := p.names[name]
			if !ok {
				fail("perf: no counter %q", name)
			}
			p.series[ref][key] = values
		}
	}
	simulator.Map.Put(p)
}

func build(ctx context.Context, u *url.URL, spec *Spec) {
	c, err := govmomi.NewClient(ctx, u, true)
	check(err, "connect to self")
	defer func() { _ = c.Logout(ctx) }()
	dir, err := ioutil.TempDir("", "memplan-vcsim-")
	check(err, "datastore dir")
	names := map[string]types.ManagedObjectReference{}
	for _, dcSpec := range append([]Spec{*spec}, spec.More...) {
		name := dcSpec.Datacenter
		if name == "" {
			name = "dc"
		}
		dc, err := object.NewRootFolder(c.Client).CreateDatacenter(ctx, name)
		check(err, "datacenter")
		folders, err := dc.Folders(ctx)
		check(err, "folders")
		b := &builder{ctx: ctx, c: c, folders: folders, dsDir: dir,
			hosts: map[string]types.ManagedObjectReference{}, names: names}
		for _, cs := range dcSpec.Clusters {
			b.cluster(cs)
		}
		for _, h := range dcSpec.Hosts {
			b.host(h, func(s types.HostConnectSpec) (*object.Task, error) {
				return folders.HostFolder.AddStandaloneHost(ctx, s, true, nil, nil)
			}, func(host *object.HostSystem) *object.ResourcePool {
				pool, err := host.ResourcePool(ctx)
				check(err, "host pool")
				return pool
			})
		}
	}
	if len(spec.Perf) > 0 {
		installPerf(spec, names)
	}
}

// vary gives vcsim's generated model memory figures that differ from VM to VM.
func vary() {
	for i, e := range simulator.Map.All("VirtualMachine") {
		vm := e.(*simulator.VirtualMachine)
		mb := int32(1024 * (1 + i%16))
		vm.Config.Hardware.MemoryMB = mb
		vm.Summary.Config.MemorySizeMB = mb
		vm.Config.Hardware.NumCPU = int32(1 + i%8)
		q := &vm.Summary.QuickStats
		q.HostMemoryUsage = mb * int32(50+i%50) / 100
		q.GuestMemoryUsage = mb * int32(5+i%40) / 100
		q.ConsumedOverheadMemory = 30 + int32(i%60)
	}
	for i, e := range simulator.Map.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		size := int64(256+128*(i%4)) << 30
		h.Summary.Hardware.MemorySize = size
		h.Hardware.MemorySize = size
		h.Summary.QuickStats.OverallMemoryUsage = int32(size >> 20 / 2)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	username := flag.String("username", "memplan", "user name")
	password := flag.String("password", "", "password")
	caOut := flag.String("ca-out", "", "write the generated CA certificate here (PEM)")
	specFile := flag.String("spec", "", "JSON inventory to build")
	generate := flag.String("generate", "", "C,H,V: vcsim's model with C clusters of H hosts and V VMs each")
	flag.Parse()
	if *caOut == "" || *password == "" {
		fail("-ca-out and -password are required")
	}

	model := simulator.VPX()
	model.Datacenter, model.Cluster, model.ClusterHost, model.Host, model.Machine = 0, 0, 0, 0, 0
	model.Portgroup, model.Pool, model.App, model.Folder = 0, 0, 0, 0
	model.Autostart = false
	if *generate != "" {
		parts := strings.Split(*generate, ",")
		if len(parts) != 3 {
			fail("-generate wants C,H,V")
		}
		n := make([]int, 3)
		for i, s := range parts {
			v, err := strconv.Atoi(s)
			check(err, "-generate")
			n[i] = v
		}
		model.Datacenter, model.Cluster, model.ClusterHost, model.Machine = 1, n[0], n[1], n[2]
		model.Autostart = true
	}
	check(model.Create(), "model")
	defer model.Remove()
	if *generate != "" {
		vary()
	}

	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificates(*caOut)}}
	server := model.Service.NewServer()
	defer server.Close()

	if *specFile != "" {
		data, err := ioutil.ReadFile(*specFile)
		check(err, "spec")
		var spec Spec
		check(json.Unmarshal(data, &spec), "spec")
		build(context.Background(), server.URL, &spec)
	}

	public := *server.URL
	public.User = nil
	ready, _ := json.Marshal(map[string]string{"url": public.String()})
	fmt.Println(string(ready))

	done := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString(0) // returns at EOF
		close(done)
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-done:
	case <-signals:
	}
}
