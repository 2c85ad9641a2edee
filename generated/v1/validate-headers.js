// generated from schema/v1.ts by `npm run generate`; do not edit
var __getOwnPropNames = Object.getOwnPropertyNames;
var __commonJS = (cb, mod) => function __require() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};

// node_modules/ajv/dist/runtime/ucs2length.js
var require_ucs2length = __commonJS({
  "node_modules/ajv/dist/runtime/ucs2length.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    function ucs2length(str) {
      const len = str.length;
      let length = 0;
      let pos = 0;
      let value;
      while (pos < len) {
        length++;
        value = str.charCodeAt(pos++);
        if (value >= 55296 && value <= 56319 && pos < len) {
          value = str.charCodeAt(pos);
          if ((value & 64512) === 56320)
            pos++;
        }
      }
      return length;
    }
    exports.default = ucs2length;
    ucs2length.code = 'require("ajv/dist/runtime/ucs2length").default';
  }
});

// validator.js
var validate = validate20;
var validator_default = validate20;
var func0 = Object.prototype.hasOwnProperty;
var func68 = require_ucs2length().default;
var pattern4 = new RegExp("^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$", "u");
var pattern5 = new RegExp("^msg_[0-9a-f]{64}$", "u");
var pattern6 = new RegExp("^[0-9]{1,12}$", "u");
var pattern7 = new RegExp("^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=){0,7}$", "u");
var pattern8 = new RegExp("^[A-Za-z0-9%._~!*'()-]{1,768}$", "u");
var pattern9 = new RegExp("^[A-Za-z0-9._-]{1,128}$", "u");
var pattern10 = new RegExp("^[1-9][0-9]{0,3}$", "u");
function validate20(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) {
  ;
  let vErrors = null;
  let errors = 0;
  const evaluated0 = validate20.evaluated;
  if (evaluated0.dynamicProps) {
    evaluated0.props = void 0;
  }
  if (evaluated0.dynamicItems) {
    evaluated0.items = void 0;
  }
  if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data["content-type"] === void 0 || !func0.call(data, "content-type")) {
      const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "content-type" }, message: "must have required property 'content-type'" };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data["webhook-id"] === void 0 || !func0.call(data, "webhook-id")) {
      const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "webhook-id" }, message: "must have required property 'webhook-id'" };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data["webhook-timestamp"] === void 0 || !func0.call(data, "webhook-timestamp")) {
      const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "webhook-timestamp" }, message: "must have required property 'webhook-timestamp'" };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    if (data["webhook-signature"] === void 0 || !func0.call(data, "webhook-signature")) {
      const err3 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "webhook-signature" }, message: "must have required property 'webhook-signature'" };
      if (vErrors === null) {
        vErrors = [err3];
      } else {
        vErrors.push(err3);
      }
      errors++;
    }
    if (data["x-telemetry-customer"] === void 0 || !func0.call(data, "x-telemetry-customer")) {
      const err4 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "x-telemetry-customer" }, message: "must have required property 'x-telemetry-customer'" };
      if (vErrors === null) {
        vErrors = [err4];
      } else {
        vErrors.push(err4);
      }
      errors++;
    }
    if (data["x-telemetry-license-id"] === void 0 || !func0.call(data, "x-telemetry-license-id")) {
      const err5 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "x-telemetry-license-id" }, message: "must have required property 'x-telemetry-license-id'" };
      if (vErrors === null) {
        vErrors = [err5];
      } else {
        vErrors.push(err5);
      }
      errors++;
    }
    if (data["x-telemetry-schema-version"] === void 0 || !func0.call(data, "x-telemetry-schema-version")) {
      const err6 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "x-telemetry-schema-version" }, message: "must have required property 'x-telemetry-schema-version'" };
      if (vErrors === null) {
        vErrors = [err6];
      } else {
        vErrors.push(err6);
      }
      errors++;
    }
    if (data["content-type"] !== void 0 && func0.call(data, "content-type")) {
      let data0 = data["content-type"];
      if (typeof data0 === "string") {
        if (func68(data0) > 64) {
          const err7 = { instancePath: instancePath + "/content-type", schemaPath: "#/properties/content-type/maxLength", keyword: "maxLength", params: { limit: 64 }, message: "must NOT have more than 64 characters" };
          if (vErrors === null) {
            vErrors = [err7];
          } else {
            vErrors.push(err7);
          }
          errors++;
        }
        if (!pattern4.test(data0)) {
          const err8 = { instancePath: instancePath + "/content-type", schemaPath: "#/properties/content-type/pattern", keyword: "pattern", params: { pattern: "^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$" }, message: 'must match pattern "^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$"' };
          if (vErrors === null) {
            vErrors = [err8];
          } else {
            vErrors.push(err8);
          }
          errors++;
        }
      } else {
        const err9 = { instancePath: instancePath + "/content-type", schemaPath: "#/properties/content-type/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err9];
        } else {
          vErrors.push(err9);
        }
        errors++;
      }
    }
    if (data["webhook-id"] !== void 0 && func0.call(data, "webhook-id")) {
      let data1 = data["webhook-id"];
      if (typeof data1 === "string") {
        if (func68(data1) > 68) {
          const err10 = { instancePath: instancePath + "/webhook-id", schemaPath: "#/properties/webhook-id/maxLength", keyword: "maxLength", params: { limit: 68 }, message: "must NOT have more than 68 characters" };
          if (vErrors === null) {
            vErrors = [err10];
          } else {
            vErrors.push(err10);
          }
          errors++;
        }
        if (!pattern5.test(data1)) {
          const err11 = { instancePath: instancePath + "/webhook-id", schemaPath: "#/properties/webhook-id/pattern", keyword: "pattern", params: { pattern: "^msg_[0-9a-f]{64}$" }, message: 'must match pattern "^msg_[0-9a-f]{64}$"' };
          if (vErrors === null) {
            vErrors = [err11];
          } else {
            vErrors.push(err11);
          }
          errors++;
        }
      } else {
        const err12 = { instancePath: instancePath + "/webhook-id", schemaPath: "#/properties/webhook-id/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err12];
        } else {
          vErrors.push(err12);
        }
        errors++;
      }
    }
    if (data["webhook-timestamp"] !== void 0 && func0.call(data, "webhook-timestamp")) {
      let data2 = data["webhook-timestamp"];
      if (typeof data2 === "string") {
        if (func68(data2) > 12) {
          const err13 = { instancePath: instancePath + "/webhook-timestamp", schemaPath: "#/properties/webhook-timestamp/maxLength", keyword: "maxLength", params: { limit: 12 }, message: "must NOT have more than 12 characters" };
          if (vErrors === null) {
            vErrors = [err13];
          } else {
            vErrors.push(err13);
          }
          errors++;
        }
        if (!pattern6.test(data2)) {
          const err14 = { instancePath: instancePath + "/webhook-timestamp", schemaPath: "#/properties/webhook-timestamp/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,12}$" }, message: 'must match pattern "^[0-9]{1,12}$"' };
          if (vErrors === null) {
            vErrors = [err14];
          } else {
            vErrors.push(err14);
          }
          errors++;
        }
      } else {
        const err15 = { instancePath: instancePath + "/webhook-timestamp", schemaPath: "#/properties/webhook-timestamp/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err15];
        } else {
          vErrors.push(err15);
        }
        errors++;
      }
    }
    if (data["webhook-signature"] !== void 0 && func0.call(data, "webhook-signature")) {
      let data3 = data["webhook-signature"];
      if (typeof data3 === "string") {
        if (func68(data3) > 391) {
          const err16 = { instancePath: instancePath + "/webhook-signature", schemaPath: "#/properties/webhook-signature/maxLength", keyword: "maxLength", params: { limit: 391 }, message: "must NOT have more than 391 characters" };
          if (vErrors === null) {
            vErrors = [err16];
          } else {
            vErrors.push(err16);
          }
          errors++;
        }
        if (!pattern7.test(data3)) {
          const err17 = { instancePath: instancePath + "/webhook-signature", schemaPath: "#/properties/webhook-signature/pattern", keyword: "pattern", params: { pattern: "^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=){0,7}$" }, message: 'must match pattern "^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=){0,7}$"' };
          if (vErrors === null) {
            vErrors = [err17];
          } else {
            vErrors.push(err17);
          }
          errors++;
        }
      } else {
        const err18 = { instancePath: instancePath + "/webhook-signature", schemaPath: "#/properties/webhook-signature/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err18];
        } else {
          vErrors.push(err18);
        }
        errors++;
      }
    }
    if (data["x-telemetry-customer"] !== void 0 && func0.call(data, "x-telemetry-customer")) {
      let data4 = data["x-telemetry-customer"];
      if (typeof data4 === "string") {
        if (func68(data4) > 768) {
          const err19 = { instancePath: instancePath + "/x-telemetry-customer", schemaPath: "#/properties/x-telemetry-customer/maxLength", keyword: "maxLength", params: { limit: 768 }, message: "must NOT have more than 768 characters" };
          if (vErrors === null) {
            vErrors = [err19];
          } else {
            vErrors.push(err19);
          }
          errors++;
        }
        if (!pattern8.test(data4)) {
          const err20 = { instancePath: instancePath + "/x-telemetry-customer", schemaPath: "#/properties/x-telemetry-customer/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z0-9%._~!*'()-]{1,768}$" }, message: `must match pattern "^[A-Za-z0-9%._~!*'()-]{1,768}$"` };
          if (vErrors === null) {
            vErrors = [err20];
          } else {
            vErrors.push(err20);
          }
          errors++;
        }
      } else {
        const err21 = { instancePath: instancePath + "/x-telemetry-customer", schemaPath: "#/properties/x-telemetry-customer/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err21];
        } else {
          vErrors.push(err21);
        }
        errors++;
      }
    }
    if (data["x-telemetry-license-id"] !== void 0 && func0.call(data, "x-telemetry-license-id")) {
      let data5 = data["x-telemetry-license-id"];
      if (typeof data5 === "string") {
        if (func68(data5) > 128) {
          const err22 = { instancePath: instancePath + "/x-telemetry-license-id", schemaPath: "#/properties/x-telemetry-license-id/maxLength", keyword: "maxLength", params: { limit: 128 }, message: "must NOT have more than 128 characters" };
          if (vErrors === null) {
            vErrors = [err22];
          } else {
            vErrors.push(err22);
          }
          errors++;
        }
        if (!pattern9.test(data5)) {
          const err23 = { instancePath: instancePath + "/x-telemetry-license-id", schemaPath: "#/properties/x-telemetry-license-id/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z0-9._-]{1,128}$" }, message: 'must match pattern "^[A-Za-z0-9._-]{1,128}$"' };
          if (vErrors === null) {
            vErrors = [err23];
          } else {
            vErrors.push(err23);
          }
          errors++;
        }
      } else {
        const err24 = { instancePath: instancePath + "/x-telemetry-license-id", schemaPath: "#/properties/x-telemetry-license-id/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err24];
        } else {
          vErrors.push(err24);
        }
        errors++;
      }
    }
    if (data["x-telemetry-schema-version"] !== void 0 && func0.call(data, "x-telemetry-schema-version")) {
      let data6 = data["x-telemetry-schema-version"];
      if (typeof data6 === "string") {
        if (func68(data6) > 4) {
          const err25 = { instancePath: instancePath + "/x-telemetry-schema-version", schemaPath: "#/properties/x-telemetry-schema-version/maxLength", keyword: "maxLength", params: { limit: 4 }, message: "must NOT have more than 4 characters" };
          if (vErrors === null) {
            vErrors = [err25];
          } else {
            vErrors.push(err25);
          }
          errors++;
        }
        if (!pattern10.test(data6)) {
          const err26 = { instancePath: instancePath + "/x-telemetry-schema-version", schemaPath: "#/properties/x-telemetry-schema-version/pattern", keyword: "pattern", params: { pattern: "^[1-9][0-9]{0,3}$" }, message: 'must match pattern "^[1-9][0-9]{0,3}$"' };
          if (vErrors === null) {
            vErrors = [err26];
          } else {
            vErrors.push(err26);
          }
          errors++;
        }
      } else {
        const err27 = { instancePath: instancePath + "/x-telemetry-schema-version", schemaPath: "#/properties/x-telemetry-schema-version/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err27];
        } else {
          vErrors.push(err27);
        }
        errors++;
      }
    }
  } else {
    const err28 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object" };
    if (vErrors === null) {
      vErrors = [err28];
    } else {
      vErrors.push(err28);
    }
    errors++;
  }
  validate20.errors = vErrors;
  return errors === 0;
}
validate20.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
export {
  validator_default as default,
  validate
};
