// Minimal typings for the parts of dcmjs we use (it ships none).
declare module 'dcmjs' {
  const dcmjs: any;
  export default dcmjs;
}
