// `express4` is a dev-only npm alias of express@4 (the tests run the adapter on both majors). Its API, as
// far as the tests use it, is the one @types/express describes.
declare module 'express4' {
  import express from 'express'
  export default express
}
