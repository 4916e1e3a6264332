#include "services/gateway/openapi.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "services/gateway/transcode.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}

Value Ref(const Descriptor* d) {
  Value v;
  (*v.mutable_struct_value()->mutable_fields())["$ref"] =
      Str(absl::StrCat("#/components/schemas/", d->full_name()));
  return v;
}

class Builder {
 public:
  Value FieldSchema(const FieldDescriptor* f) {
    Value item = ScalarSchema(f);
    if (!f->is_repeated()) return item;
    Value array;
    auto& fields = *array.mutable_struct_value()->mutable_fields();
    fields["type"] = Str("array");
    fields["items"] = std::move(item);
    return array;
  }

  Value MessageRef(const Descriptor* d) {
    const std::string& name = d->full_name();
    if (name == "google.protobuf.Timestamp")
      return Typed("string", "date-time");
    if (name == "google.protobuf.FieldMask") return Typed("string", "");
    if (name == "google.protobuf.Struct") return Typed("object", "");
    if (seen_.insert(name).second) {
      Value schema;
      auto& fields = *schema.mutable_struct_value()->mutable_fields();
      fields["type"] = Str("object");
      auto& props =
          *fields["properties"].mutable_struct_value()->mutable_fields();
      for (int i = 0; i < d->field_count(); ++i) {
        props[d->field(i)->json_name()] = FieldSchema(d->field(i));
      }
      (*schemas_.mutable_fields())[name] = std::move(schema);
    }
    return Ref(d);
  }

  Struct& schemas() { return schemas_; }

 private:
  static Value Typed(absl::string_view type, absl::string_view format) {
    Value v;
    auto& fields = *v.mutable_struct_value()->mutable_fields();
    fields["type"] = Str(type);
    if (!format.empty()) fields["format"] = Str(format);
    return v;
  }

  Value ScalarSchema(const FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return f->type() == FieldDescriptor::TYPE_BYTES
                   ? Typed("string", "byte")
                   : Typed("string", "");
      case FieldDescriptor::CPPTYPE_INT32:
        return Typed("integer", "int32");
      case FieldDescriptor::CPPTYPE_UINT32:
        return Typed("integer", "uint32");
      case FieldDescriptor::CPPTYPE_INT64:
        return Typed("string", "int64");  // proto3 JSON: a string
      case FieldDescriptor::CPPTYPE_UINT64:
        return Typed("string", "uint64");
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Typed("number", "double");
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Typed("number", "float");
      case FieldDescriptor::CPPTYPE_BOOL:
        return Typed("boolean", "");
      case FieldDescriptor::CPPTYPE_ENUM: {
        Value v = Typed("string", "");
        auto* values = (*v.mutable_struct_value()->mutable_fields())["enum"]
                           .mutable_list_value();
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          *values->add_values() = Str(f->enum_type()->value(i)->name());
        }
        return v;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return MessageRef(f->message_type());
    }
    return Typed("string", "");
  }

  std::set<std::string> seen_;
  Struct schemas_;
};

Value Parameter(absl::string_view name, absl::string_view in, bool required,
                Value schema) {
  Value v;
  auto& fields = *v.mutable_struct_value()->mutable_fields();
  fields["name"] = Str(name);
  fields["in"] = Str(in);
  fields["required"].set_bool_value(required);
  fields["schema"] = std::move(schema);
  return v;
}

Value Content(absl::string_view media_type, Value schema) {
  Value v;
  auto& content = *(*v.mutable_struct_value()->mutable_fields())["content"]
                       .mutable_struct_value()
                       ->mutable_fields();
  (*content[std::string(media_type)]
        .mutable_struct_value()
        ->mutable_fields())["schema"] = std::move(schema);
  return v;
}

}  // namespace

std::string OpenApiJson(const RouteTable& routes) {
  Builder builder;
  Struct doc;
  auto& top = *doc.mutable_fields();
  top["openapi"] = Str("3.0.3");
  {
    auto& info = *top["info"].mutable_struct_value()->mutable_fields();
    info["title"] = Str("Passerelle API");
    info["version"] = Str("v1");
    info["description"] = Str(
        "Generated from the google.api.http annotations of passerelle.v1. "
        "Bodies use the proto3 JSON mapping. Errors: {\"error\": {\"code\", "
        "\"status\", \"message\", \"field\"}}.");
  }
  auto& paths = *top["paths"].mutable_struct_value()->mutable_fields();
  for (const Route& route : routes.routes()) {
    const Descriptor* input = route.method->input_type();
    Value op;
    auto& o = *op.mutable_struct_value()->mutable_fields();
    o["operationId"] = Str(absl::StrCat(route.method->service()->name(), "_",
                                        route.method->name()));
    o["tags"].mutable_list_value()->add_values()->set_string_value(
        route.method->service()->name());
    std::set<std::string> bound;
    auto* params = o["parameters"].mutable_list_value();
    for (const Route::Segment& s : route.segments) {
      if (!s.variable) continue;
      bound.insert(s.text);
      Value schema;
      (*schema.mutable_struct_value()->mutable_fields())["type"] =
          Str("string");
      *params->add_values() = Parameter(s.text, "path", true, schema);
    }
    if (route.body != "*") {
      for (int i = 0; i < input->field_count(); ++i) {
        const FieldDescriptor* f = input->field(i);
        if (bound.count(f->name()) || f->name() == route.body) continue;
        if (f->message_type() != nullptr &&
            f->message_type()->full_name() != "google.protobuf.FieldMask") {
          continue;
        }
        *params->add_values() =
            Parameter(f->json_name(), "query", false, builder.FieldSchema(f));
      }
    }
    if (!route.body.empty()) {
      const Descriptor* body =
          route.body == "*"
              ? input
              : input->FindFieldByName(route.body)->message_type();
      Value request = Content(route.client_streaming() ? "application/x-ndjson"
                                                       : "application/json",
                              builder.MessageRef(body));
      (*request.mutable_struct_value()->mutable_fields())["required"]
          .set_bool_value(route.body != "*");
      o["requestBody"] = std::move(request);
    }
    auto& responses = *o["responses"].mutable_struct_value()->mutable_fields();
    Value ok = Content(
        route.server_streaming() ? "text/event-stream" : "application/json",
        builder.MessageRef(route.method->output_type()));
    (*ok.mutable_struct_value()->mutable_fields())["description"] =
        Str(route.server_streaming() ? "Server-Sent Events, one message each"
                                     : "OK");
    responses["200"] = std::move(ok);
    Value error_ref;
    (*error_ref.mutable_struct_value()->mutable_fields())["$ref"] =
        Str("#/components/schemas/Error");
    Value error = Content("application/json", std::move(error_ref));
    (*error.mutable_struct_value()->mutable_fields())["description"] =
        Str("An error, with the canonical status and the field at fault");
    responses["default"] = std::move(error);
    // OpenAPI paths name variables {offer.id} as written in the template.
    const std::string method = absl::AsciiStrToLower(route.http_method);
    (*paths[route.path_template]
          .mutable_struct_value()
          ->mutable_fields())[method] = std::move(op);
  }
  auto& components =
      *top["components"].mutable_struct_value()->mutable_fields();
  Struct schemas = builder.schemas();
  {
    Value error;
    auto& e = *error.mutable_struct_value()->mutable_fields();
    e["type"] = Str("object");
    auto& inner =
        *(*e["properties"].mutable_struct_value()->mutable_fields())["error"]
             .mutable_struct_value()
             ->mutable_fields();
    inner["type"] = Str("object");
    auto& props = *inner["properties"].mutable_struct_value()->mutable_fields();
    for (const char* name : {"status", "message", "field"}) {
      (*props[name].mutable_struct_value()->mutable_fields())["type"] =
          Str("string");
    }
    (*props["code"].mutable_struct_value()->mutable_fields())["type"] =
        Str("integer");
    (*schemas.mutable_fields())["Error"] = std::move(error);
  }
  *components["schemas"].mutable_struct_value() = std::move(schemas);
  {
    auto& schemes =
        *components["securitySchemes"].mutable_struct_value()->mutable_fields();
    auto& bearer =
        *schemes["bearerAuth"].mutable_struct_value()->mutable_fields();
    bearer["type"] = Str("http");
    bearer["scheme"] = Str("bearer");
  }
  {
    Value requirement;
    (*requirement.mutable_struct_value()->mutable_fields())["bearerAuth"]
        .mutable_list_value();
    *top["security"].mutable_list_value()->add_values() = requirement;
  }
  return ToJson(doc);
}

}  // namespace passerelle::gateway
