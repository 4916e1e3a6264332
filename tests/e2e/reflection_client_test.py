#!/usr/bin/python3
"""End-to-end test: a standard gRPC client, not built with the project.

Python's grpcio talks to a real passerelle-server binary. The client knows no
Passerelle .proto: it asks the server's reflection service
(grpc.reflection.v1alpha) for the FileDescriptorProtos of the services, loads
them into its own DescriptorPool, builds the message classes at run time and
calls the methods generically by path. With the admin token written on first
start it creates and reads a company and a school, issues their tokens, and
with those creates and reads an offer and a graduate; it also checks the
health service, the error codes of the public contract, and that SIGTERM stops
the server with exit code 0.

Usage: /usr/bin/python3 reflection_client_test.py PATH/TO/passerelle-server [unittest args]
   or: PASSERELLE_SERVER=PATH/TO/passerelle-server /usr/bin/python3 reflection_client_test.py

Needs Debian's python3-grpcio, python3-protobuf and python3-grpc-tools (the
reflection client module is generated at test time from
reflection/grpc_reflection_v1alpha.proto next to this file).
"""

import datetime
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import grpc
    from google.protobuf import descriptor_pb2
    from google.protobuf import descriptor_pool
    from google.protobuf import json_format
    from google.protobuf import message_factory
    # Registers the well-known types in the default pool (fallback source).
    from google.protobuf import field_mask_pb2  # noqa: F401
    from google.protobuf import timestamp_pb2  # noqa: F401
except ImportError as e:  # pragma: no cover
    sys.exit(f"reflection_client_test: {e}; run it with Debian's /usr/bin/python3 "
             "(packages python3-grpcio, python3-protobuf, python3-grpc-tools)")

HERE = os.path.dirname(os.path.abspath(__file__))
REFLECTION_PROTO_DIR = os.path.join(HERE, "reflection")
REFLECTION_METHOD = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

PASSERELLE_SERVICES = [
    "passerelle.v1.OrganizationService",
    "passerelle.v1.GraduateService",
    "passerelle.v1.OfferService",
    "passerelle.v1.MatchingService",
    "passerelle.v1.ProposalService",
    "passerelle.v1.ChangeFeedService",
]
HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICE = "grpc.reflection.v1alpha.ServerReflection"

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0
RPC_TIMEOUT_S = 15.0

SIRET = "73282932000074"       # Luhn-valid
BAD_SIRET = "73282932000075"   # Luhn-invalid
UAI = "0596781A"               # 0596781 mod 23 = 0 -> 'A'
DIPLOMA = "50025123"

SERVER_BINARY = None  # set in main()


class Server:
    """A passerelle-server process in a private temp data directory."""

    def __init__(self, binary):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="passerelle-e2e-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.port_file = os.path.join(self.tmp, "port")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.proc = None
        self.port = None
        self.admin_token = None
        self.token_mode = None

    def start(self):
        os.makedirs(self.data_dir)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, f"--data_dir={self.data_dir}", "--port=0",
             f"--port_file={self.port_file}"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"passerelle-server exited with {self.proc.returncode} before "
                    f"writing {self.port_file}\n{self.log_tail()}")
            text = self._read(self.port_file)
            if text:
                try:
                    self.port = int(text.strip())
                    break
                except ValueError:
                    pass  # not complete yet (the server writes it atomically anyway)
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no port in {self.port_file} after {STARTUP_TIMEOUT_S:.0f}s\n"
                    f"{self.log_tail()}")
            time.sleep(0.05)
        if not 0 < self.port < 65536:
            raise RuntimeError(f"port file says {self.port!r}")
        token_path = os.path.join(self.data_dir, "admin.token")
        token = self._read(token_path)
        if not token or not token.strip():
            raise RuntimeError(f"{token_path} missing or empty once serving\n{self.log_tail()}")
        self.admin_token = token.strip()
        self.token_mode = os.stat(token_path).st_mode & 0o777

    @staticmethod
    def _read(path):
        try:
            with open(path, "r", encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
                tail = f.readlines()[-lines:]
        except OSError:
            return "(no server log)"
        return "--- server log (tail) ---\n" + "".join(tail)

    def terminate(self):
        """SIGTERM; returns the exit code, or None if it did not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def generate_reflection_module(out_dir):
    """protoc the bundled reflection .proto into out_dir and import it."""
    cmd = [sys.executable, "-m", "grpc_tools.protoc", f"-I{REFLECTION_PROTO_DIR}",
           f"--python_out={out_dir}", "grpc_reflection_v1alpha.proto"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{run.stderr}")
    sys.path.insert(0, out_dir)
    return importlib.import_module("grpc_reflection_v1alpha_pb2")


class ReflectionError(Exception):
    def __init__(self, code, message):
        super().__init__(f"reflection error {code}: {message}")
        self.code = code


class ReflectionClient:
    """grpc.reflection.v1alpha.ServerReflection over a generic stream call."""

    def __init__(self, channel, pb2, metadata):
        self.pb2 = pb2
        self.metadata = metadata
        self.stream = channel.stream_stream(
            REFLECTION_METHOD,
            request_serializer=pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=pb2.ServerReflectionResponse.FromString)

    def ask(self, **request):
        req = self.pb2.ServerReflectionRequest(host="", **request)
        responses = list(self.stream(iter([req]), timeout=RPC_TIMEOUT_S,
                                     metadata=self.metadata))
        if len(responses) != 1:
            raise AssertionError(f"{len(responses)} reflection responses to one request")
        resp = responses[0]
        if resp.WhichOneof("message_response") == "error_response":
            raise ReflectionError(resp.error_response.error_code,
                                  resp.error_response.error_message)
        return resp

    def list_services(self):
        resp = self.ask(list_services="")
        return [s.name for s in resp.list_services_response.service]

    def files_containing(self, symbol):
        resp = self.ask(file_containing_symbol=symbol)
        return [descriptor_pb2.FileDescriptorProto.FromString(b)
                for b in resp.file_descriptor_response.file_descriptor_proto]

    def file_by_name(self, name):
        resp = self.ask(file_by_filename=name)
        return [descriptor_pb2.FileDescriptorProto.FromString(b)
                for b in resp.file_descriptor_response.file_descriptor_proto]


class DynamicApi:
    """Message classes and unary calls built from descriptors fetched at run time."""

    def __init__(self, channel, reflection):
        self.channel = channel
        self.reflection = reflection
        self.pool = descriptor_pool.DescriptorPool()
        self.factory = message_factory.MessageFactory(self.pool)
        self.known = {}        # file name -> FileDescriptorProto (fetched)
        self.added = set()     # file names added to self.pool
        self.from_default_pool = []  # well-known files the server did not send

    def load_symbol(self, symbol):
        """Adds the file declaring symbol and the files it imports."""
        fetched = self.reflection.files_containing(symbol)
        if not fetched:
            raise AssertionError(f"reflection sent no file for {symbol}")
        for fdp in fetched:
            self.known.setdefault(fdp.name, fdp)
        for fdp in fetched:
            self._add(fdp.name, ())

    def add_local(self, fdp):
        self.known[fdp.name] = fdp
        self._add(fdp.name, ())

    def _add(self, name, stack):
        if name in self.added:
            return
        if name in stack:
            raise AssertionError(f"import cycle through {name}")
        fdp = self.known.get(name)
        if fdp is None:
            try:
                for f in self.reflection.file_by_name(name):
                    self.known.setdefault(f.name, f)
                fdp = self.known.get(name)
            except ReflectionError:
                fdp = None
        if fdp is None:
            # Last resort for well-known types: the client's own copy.
            fd = descriptor_pool.Default().FindFileByName(name)
            fdp = descriptor_pb2.FileDescriptorProto()
            fd.CopyToProto(fdp)
            self.known[name] = fdp
            self.from_default_pool.append(name)
        for dep in fdp.dependency:
            self._add(dep, stack + (name,))
        self.pool.AddSerializedFile(fdp.SerializeToString())
        self.added.add(name)

    def message_class(self, full_name):
        desc = self.pool.FindMessageTypeByName(full_name)
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
            return message_factory.GetMessageClass(desc)
        return self.factory.GetPrototype(desc)

    def method(self, service, name):
        return self.pool.FindServiceByName(service).FindMethodByName(name)

    def call(self, service, name, request, token=None, timeout=RPC_TIMEOUT_S):
        """Calls a unary method; request is a dict in proto3 JSON form."""
        m = self.method(service, name)
        if m is None:
            raise AssertionError(f"reflection: {service} has no method {name}")
        req_cls = self.message_class(m.input_type.full_name)
        resp_cls = self.message_class(m.output_type.full_name)
        req = json_format.ParseDict(request, req_cls())
        stub = self.channel.unary_unary(
            f"/{service}/{name}",
            request_serializer=req_cls.SerializeToString,
            response_deserializer=resp_cls.FromString)
        metadata = (("authorization", f"Bearer {token}"),) if token is not None else None
        return stub(req, timeout=timeout, metadata=metadata)


def to_dict(msg):
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


ORG = "passerelle.v1.OrganizationService"
GRAD = "passerelle.v1.GraduateService"
OFFER = "passerelle.v1.OfferService"


class ReflectionClientTest(unittest.TestCase):
    """Ordered steps (test_NN) over one server; later steps need earlier ones."""

    server = None
    channel = None
    reflection = None
    api = None
    api_error = None
    state = {}

    @classmethod
    def setUpClass(cls):
        cls.gen_dir = tempfile.mkdtemp(prefix="passerelle-e2e-pb-")
        try:
            pb2 = generate_reflection_module(cls.gen_dir)
            cls.server = Server(SERVER_BINARY)
            cls.server.start()
            cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.server.port}")
            grpc.channel_ready_future(cls.channel).result(timeout=STARTUP_TIMEOUT_S)
            cls.reflection = ReflectionClient(
                cls.channel, pb2, (("authorization", f"Bearer {cls.server.admin_token}"),))
        except BaseException:
            cls._cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._cleanup()

    @classmethod
    def _cleanup(cls):
        if cls.server is not None:
            log = cls.server.log_tail()
            cls.server.cleanup()
            if os.environ.get("PASSERELLE_E2E_VERBOSE"):
                print(log, file=sys.stderr)
        if cls.channel is not None:
            cls.channel.close()
        shutil.rmtree(cls.gen_dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------

    def need(self, *keys):
        missing = [k for k in keys if k not in self.state]
        if missing:
            self.skipTest(f"needs {', '.join(missing)} from an earlier step, which failed")
        return [self.state[k] for k in keys]

    def dynamic(self):
        """The API loaded through reflection (once; a failure fails each user)."""
        cls = type(self)
        if cls.api is None and cls.api_error is None:
            try:
                api = DynamicApi(cls.channel, cls.reflection)
                for service in PASSERELLE_SERVICES:
                    api.load_symbol(service)
                cls.api = api
            except Exception as e:  # noqa: BLE001
                cls.api_error = e
        if cls.api_error is not None:
            self.fail(f"loading descriptors through reflection failed: {cls.api_error!r}")
        return cls.api

    def call(self, service, method, request, token):
        try:
            return self.dynamic().call(service, method, request, token=token)
        except grpc.RpcError as e:
            self.fail(f"{service}/{method} failed: {e.code().name}: {e.details()}\n"
                      f"{self.server.log_tail(15)}")

    def assert_rpc_error(self, code, service, method, request, token):
        with self.assertRaises(grpc.RpcError, msg=f"{method} should fail with {code.name}") as cm:
            self.dynamic().call(service, method, request, token=token)
        err = cm.exception
        self.assertEqual(err.code(), code,
                         f"{method}: expected {code.name}, got {err.code().name}: {err.details()}")
        return err

    def admin(self):
        return self.server.admin_token

    # -- steps -------------------------------------------------------------

    def test_00_first_start_wrote_admin_token(self):
        self.assertTrue(self.server.admin_token)
        self.assertEqual(self.server.token_mode, 0o600,
                         f"admin.token mode is {oct(self.server.token_mode)}, want 0o600")

    def test_01_reflection_lists_services(self):
        services = self.reflection.list_services()
        for name in PASSERELLE_SERVICES + [HEALTH_SERVICE, REFLECTION_SERVICE]:
            self.assertIn(name, services, f"reflection list_services: {services}")

    def test_02_reflection_describes_the_api(self):
        api = self.dynamic()
        expected = {
            ORG: ["CreateCompany", "GetCompany", "ListCompanies", "CreateSchool", "GetSchool",
                  "ListSchools", "CreatePartner", "IssueToken", "RevokeToken"],
            GRAD: ["CreateGraduate", "GetGraduate", "UpdateGraduate", "DeleteGraduate",
                   "ListGraduates", "ImportGraduates"],
            OFFER: ["CreateOffer", "GetOffer", "UpdateOffer", "CloseOffer", "ListOffers",
                    "SearchOffers", "ImportOffers"],
            "passerelle.v1.MatchingService": ["RankOffers", "RankGraduates", "PlanPlacements"],
            "passerelle.v1.ProposalService": ["SendProposal", "RespondToProposal",
                                              "WithdrawProposal", "ListProposals",
                                              "GetPlacementStats"],
            "passerelle.v1.ChangeFeedService": ["Watch"],
        }
        for service, methods in expected.items():
            desc = api.pool.FindServiceByName(service)
            have = [m.name for m in desc.methods]
            for m in methods:
                self.assertIn(m, have, f"{service} methods: {have}")
        # Timestamp etc. came with the files (transitive dependencies).
        self.assertIn("google/protobuf/timestamp.proto", api.added)
        self.assertEqual(api.from_default_pool, [],
                         "the server's reflection omitted dependencies")
        # A message type resolves by symbol too.
        self.assertTrue(any(f.name.endswith("offer.proto")
                            for f in self.reflection.files_containing("passerelle.v1.Offer")))
        with self.assertRaises(ReflectionError) as cm:
            self.reflection.files_containing("passerelle.v1.NoSuchThing")
        self.assertEqual(cm.exception.code, grpc.StatusCode.NOT_FOUND.value[0])

    def test_03_health_check_serving(self):
        api = self.dynamic()
        # The server links the Health descriptor in, so reflection (and
        # grpcurl) can describe it.
        api.load_symbol(HEALTH_SERVICE)
        # No token: probes (Kubernetes, grpc_health_probe) carry none.
        resp = api.call(HEALTH_SERVICE, "Check", {"service": ""})
        self.assertEqual(to_dict(resp).get("status"), "SERVING")

    def test_04_without_token_unauthenticated(self):
        self.assert_rpc_error(grpc.StatusCode.UNAUTHENTICATED, ORG, "GetCompany",
                              {"id": "anything"}, token=None)
        self.assert_rpc_error(grpc.StatusCode.UNAUTHENTICATED, ORG, "CreateCompany",
                              {"company": {"siret": SIRET, "name": "x"}}, token=None)
        self.assert_rpc_error(grpc.StatusCode.UNAUTHENTICATED, ORG, "ListCompanies",
                              {}, token="psl_not-a-real-token")

    def test_05_company_create_and_get(self):
        created = self.call(ORG, "CreateCompany", {"company": {
            "siret": SIRET, "name": "Métallerie du Nord", "naf_code": "25.62B",
            "place": {"commune_insee": "59512"}}}, self.admin())
        c = to_dict(created)
        self.assertTrue(c.get("id"), c)
        self.assertEqual(c.get("siret"), SIRET)
        self.assertEqual(c.get("name"), "Métallerie du Nord")
        self.assertEqual(c.get("naf_code"), "25.62B")
        place = c.get("place", {})
        self.assertEqual(place.get("commune_insee"), "59512")
        self.assertTrue(place.get("commune_name"), f"place not filled from the commune: {place}")
        self.assertTrue(place.get("latitude") and place.get("longitude"), place)
        self.state["company_id"] = c["id"]
        got = self.call(ORG, "GetCompany", {"id": c["id"]}, self.admin())
        self.assertEqual(to_dict(got), c, "GetCompany differs from CreateCompany's answer")

    def test_06_invalid_siret_is_invalid_argument(self):
        err = self.assert_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ORG, "CreateCompany",
                                    {"company": {"siret": BAD_SIRET, "name": "Faux SIRET",
                                                 "naf_code": "25.62B",
                                                 "place": {"commune_insee": "59512"}}},
                                    self.admin())
        self.assertTrue(err.details().startswith("company.siret"),
                        f"message should name the field: {err.details()!r}")
        # Nothing stored.
        listed = to_dict(self.call(ORG, "ListCompanies", {"page_size": 100}, self.admin()))
        sirets = [c.get("siret") for c in listed.get("companies", [])]
        self.assertNotIn(BAD_SIRET, sirets)

    def test_07_unknown_id_is_not_found(self):
        self.assert_rpc_error(grpc.StatusCode.NOT_FOUND, ORG, "GetCompany",
                              {"id": "cmp_00000000000000000000"}, self.admin())

    def test_08_school_create_and_get(self):
        created = self.call(ORG, "CreateSchool", {"school": {
            "uai": UAI, "name": "Lycée professionnel de Lille",
            "place": {"commune_insee": "59350"}}}, self.admin())
        s = to_dict(created)
        self.assertTrue(s.get("id"), s)
        self.assertEqual(s.get("uai"), UAI)
        self.assertEqual(s.get("place", {}).get("commune_insee"), "59350")
        self.assertTrue(s.get("place", {}).get("commune_name"), s)
        self.state["school_id"] = s["id"]
        got = self.call(ORG, "GetSchool", {"id": s["id"]}, self.admin())
        self.assertEqual(to_dict(got), s, "GetSchool differs from CreateSchool's answer")

    def test_09_issue_tokens(self):
        company_id, school_id = self.need("company_id", "school_id")
        for key, org, role in [("company_token", company_id, "ROLE_COMPANY"),
                               ("school_token", school_id, "ROLE_SCHOOL")]:
            resp = to_dict(self.call(ORG, "IssueToken",
                                     {"organization_id": org, "role": role}, self.admin()))
            self.assertTrue(resp.get("token"), resp)
            self.assertNotEqual(resp["token"], self.admin())
            self.state[key] = resp["token"]
            if self.dynamic().method(ORG, "WhoAmI") is not None:
                me = to_dict(self.call(ORG, "WhoAmI", {}, resp["token"]))
                self.assertEqual((me.get("organization_id"), me.get("role")), (org, role))

    def test_10_company_creates_and_reads_offer(self):
        company_id, token = self.need("company_id", "company_token")
        start = (datetime.date.today() + datetime.timedelta(days=120)).isoformat()
        created = self.call(OFFER, "CreateOffer", {"offer": {
            "title": "Soudeur / soudeuse en apprentissage",
            "rome_code": "H2903", "contract_type": "CONTRACT_TYPE_APPRENTICESHIP",
            "duration_months": 24, "start_date": start, "weekly_hours": 35,
            "target_diploma": {"code": DIPLOMA}, "place": {"commune_insee": "59512"},
            "positions": 2}}, token)
        o = to_dict(created)
        self.assertTrue(o.get("id"), o)
        self.assertEqual(o.get("company_id"), company_id)
        self.assertEqual(o.get("rome_code"), "H2903")
        self.assertEqual(o.get("contract_type"), "CONTRACT_TYPE_APPRENTICESHIP")
        self.assertEqual(o.get("duration_months"), 24)
        self.assertEqual(o.get("start_date"), start)
        self.assertEqual(o.get("weekly_hours"), 35)
        self.assertEqual(o.get("positions"), 2)
        self.assertEqual(o.get("target_diploma", {}).get("code"), DIPLOMA)
        self.assertEqual(o.get("status"), "OFFER_STATUS_OPEN")
        self.state["offer_id"] = o["id"]
        got = self.call(OFFER, "GetOffer", {"id": o["id"]}, token)
        self.assertEqual(to_dict(got), o, "GetOffer differs from CreateOffer's answer")

    def test_11_school_creates_and_reads_graduate(self):
        school_id, token = self.need("school_id", "school_token")
        created = self.call(GRAD, "CreateGraduate", {"graduate": {
            "given_name": "Inès", "family_name": "Lefebvre", "birth_date": "2009-05-14",
            "diploma": {"code": DIPLOMA, "status": "DIPLOMA_STATUS_IN_PROGRESS",
                        "obtained_on": "2027-06-30"},
            "rome_codes": ["H2903"], "home": {"commune_insee": "59350"}}}, token)
        g = to_dict(created)
        self.assertTrue(g.get("id"), g)
        self.assertEqual(g.get("school_id"), school_id)
        self.assertFalse(g.get("partner_id"), g)
        self.assertEqual((g.get("given_name"), g.get("family_name")), ("Inès", "Lefebvre"))
        self.assertEqual(g.get("birth_date"), "2009-05-14")
        self.assertEqual(g.get("diploma", {}).get("status"), "DIPLOMA_STATUS_IN_PROGRESS")
        self.assertEqual(g.get("rome_codes"), ["H2903"])
        self.assertEqual(g.get("home", {}).get("commune_insee"), "59350")
        self.state["graduate_id"] = g["id"]
        got = self.call(GRAD, "GetGraduate", {"id": g["id"]}, token)
        self.assertEqual(to_dict(got), g, "GetGraduate differs from CreateGraduate's answer")

    def test_12_company_cannot_read_the_graduate(self):
        graduate_id, token = self.need("graduate_id", "company_token")
        with self.assertRaises(grpc.RpcError) as cm:
            self.dynamic().call(GRAD, "GetGraduate", {"id": graduate_id}, token=token)
        self.assertIn(cm.exception.code(),
                      (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND),
                      cm.exception.details())

    def test_99_sigterm_exits_zero(self):
        rc = self.server.terminate()
        self.assertIsNotNone(rc, f"server still running {SHUTDOWN_TIMEOUT_S:.0f}s after "
                                 f"SIGTERM\n{self.server.log_tail()}")
        self.assertEqual(rc, 0, f"exit code after SIGTERM\n{self.server.log_tail()}")


def main():
    global SERVER_BINARY
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        SERVER_BINARY = args.pop(0)
    else:
        SERVER_BINARY = os.environ.get("PASSERELLE_SERVER")
    if not SERVER_BINARY:
        sys.exit("usage: reflection_client_test.py PATH/TO/passerelle-server "
                 "(or set PASSERELLE_SERVER)")
    if not os.access(SERVER_BINARY, os.X_OK):
        sys.exit(f"reflection_client_test: {SERVER_BINARY} is not an executable")
    SERVER_BINARY = os.path.abspath(SERVER_BINARY)
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()
